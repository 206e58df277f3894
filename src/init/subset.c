/*
** subset.c: a uniformly random k-subset of n neurons (module: init), drawn by the
** structures that pick neurons (celltype.c: the hyper-excitable ones; dale.c: the
** excitatory ones). Why its own file: it sat in the registry (init.c), which calls
** those structures, so the registry and its kinds called each other.
*/
#include "internal.h"

#include <assert.h>

void rl_init_pick_subset(rl_rng *r, int n, int k, uint8_t *mask)
{
    assert(n >= 0 && k >= 0 && k <= n); /* "exactly k of n": the kinds' checks keep 1 <= k < n */
    int chosen = 0;
    for (int i = 0; i < n; i++) {
        /* Algorithm S: select item i with probability (k - chosen) / (n - i), exactly. */
        mask[i] = rl_rng_below(r, (uint32_t)(n - i)) < (uint32_t)(k - chosen);
        chosen += mask[i];
    }
}
