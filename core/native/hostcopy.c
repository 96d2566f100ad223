/*
 * hwcore's host block-copy loop: the compiled part of hwcore.memory.copy_blocks.
 *
 * Python validates every argument; this file only moves bytes. It is loaded with ctypes,
 * so it has no Python or torch ABI, and ctypes releases the GIL for the whole call.
 *
 * Threads: the caller may pass the GOMP_parallel entry point of the OpenMP runtime torch
 * has already loaded. The copy then runs on torch's own intra-op threads, which are
 * usually still spinning from the last torch op, instead of waking threads of our own
 * that would compete with them for the same cores. Every thread claims the next few
 * pairs from one atomic counter, so a thread that starts late just copies less.
 *
 * Why compiled: a Python loop pays a GIL release and re-acquire per block, and torch and
 * numpy have no call that copies a list of (source, destination) block pairs in one go.
 */
#include <stdint.h>
#include <string.h>

#define HWCORE_HOSTCOPY_ABI 1

/* GOMP_parallel's signature: stable in libgomp since GCC 4.9, and provided by LLVM's and
 * Intel's OpenMP runtimes for compatibility. */
typedef void (*gomp_parallel_fn)(void (*body)(void *), void *data, unsigned threads,
                                 unsigned flags);

struct copy_job {
    char *dst;
    const char *src;
    int64_t block_bytes;
    const int64_t *src_blocks; /* pair i copies block src_blocks[i] to dst_blocks[i] */
    const int64_t *dst_blocks;
    int64_t pair_count;
    int64_t pairs_per_claim;   /* how many pairs a thread takes at a time */
    int64_t next_pair;         /* shared by every thread */
    int64_t copied;            /* blocks copied, summed over threads */
};

/* The interface version; the Python loader refuses a library whose version differs. */
int64_t hwcore_hostcopy_abi(void) { return HWCORE_HOSTCOPY_ABI; }

/* Claim pairs until none is left; consecutive pairs whose source and destination both
 * advance by one block are merged into one memcpy. */
static void copy_pairs(void *data)
{
    struct copy_job *job = data;
    const int64_t bytes = job->block_bytes;
    int64_t copied = 0;
    for (;;) {
        int64_t begin = __atomic_fetch_add(&job->next_pair, job->pairs_per_claim,
                                           __ATOMIC_RELAXED);
        if (begin >= job->pair_count) {
            break;
        }
        int64_t end = begin + job->pairs_per_claim;
        if (end > job->pair_count) {
            end = job->pair_count;
        }
        for (int64_t i = begin; i < end;) {
            const int64_t source = job->src_blocks[i], target = job->dst_blocks[i];
            int64_t run = 1;
            while (i + run < end && job->src_blocks[i + run] == source + run
                   && job->dst_blocks[i + run] == target + run) {
                run++;
            }
            memcpy(job->dst + target * bytes, job->src + source * bytes, (size_t)(run * bytes));
            i += run;
            copied += run;
        }
    }
    __atomic_fetch_add(&job->copied, copied, __ATOMIC_RELAXED);
}

/*
 * Copy block src_blocks[i] of src to block dst_blocks[i] of dst for every i below
 * pair_count, blocks being block_bytes long; return the number of blocks copied. With
 * gomp_parallel non-null and threads > 1 the pairs are shared among that many OpenMP
 * threads, pairs_per_claim at a time; otherwise the calling thread copies them all.
 */
int64_t hwcore_copy_blocks(char *dst, const char *src, int64_t block_bytes,
                           const int64_t *src_blocks, const int64_t *dst_blocks,
                           int64_t pair_count, int64_t pairs_per_claim,
                           void *gomp_parallel, int64_t threads)
{
    struct copy_job job = {dst, src, block_bytes, src_blocks, dst_blocks, pair_count,
                           pairs_per_claim > 0 ? pairs_per_claim : 1, 0, 0};
    if (gomp_parallel != NULL && threads > 1) {
        ((gomp_parallel_fn)gomp_parallel)(copy_pairs, &job, (unsigned)threads, 0);
    } else {
        copy_pairs(&job);
    }
    return job.copied;
}
