/*
** init.h: initial connectivity generators and spectral measures (module: init).
** Every generator writes W_h(0) (N x N, row = post-synaptic, column = pre-synaptic,
** double) at the magnitude init.gain and init.norm select (Frobenius norm of the
** gain-g Gaussian by default, as the paper), from streams keyed so that every
** rank / gain / structure of one seed shares the same base Gaussian W0 (paired
** design, rng.c): W0 = g Z / sqrt(N), Z from stream "init.w0" filled row-major.
** The random parts a structure adds (which neurons, which signs, which edges)
** come from stream "init.<kind>"; its weights reuse Z.
** Registry: init.c lists every kind; each kind's law is documented in its file.
**   gaussian, uniform  gaussian.c      svd, softrank  lowrank.c
**   celltype           celltype.c      dale           dale.c
**   chain              chain.c         file           file.c, npy.c
** Magnitude (init.norm): magnitude.c.  Spectra: spectrum.c.
*/
#ifndef RICHLAZY_INIT_H
#define RICHLAZY_INIT_H

#include "richlazy/core.h"
#include "richlazy/params.h"

/*
** rl_init_recurrent: W_h(0) for p->init.kind, rescaled per p->init.norm.
**   p          (in)   resolved parameters; n = p->model.hidden
**   sweep_seed (in)   with p->seed, keys every stream
**   w          (out)  n x n doubles, row-major, W[i*n + j] = weight from j onto i
** Runs rl_init_check first. Returns RL_OK; RL_EINPUT for bad parameters or an
** unreadable / mis-shaped / non-finite init.file (message names the file);
** RL_ENOMEM; RL_EBUG if LAPACK fails. Not collective. Deterministic.
*/
rl_code rl_init_recurrent(const rl_params *p, uint64_t sweep_seed, double *w, rl_status *st);

/*
** W_x (n x n_in) and w_out (n_out x n), row-major: uniform on +-1/sqrt(fan_in)
** (PyTorch nn.Linear's default; fan_in = n_in for W_x, n for w_out), from streams
** "init.w_x" and "init.w_out" keyed by (sweep seed, item seed) only.
*/
void rl_init_input(const rl_params *p, uint64_t sweep_seed, int n_in, float *w_x);
void rl_init_output(const rl_params *p, uint64_t sweep_seed, int n_out, float *w_out);

/*
** Checks of init.* that need no data (known kind, rank <= hidden, fractions that
** leave at least one neuron of each type, a file path with a known format, ...).
** RL_EINPUT with "what is wrong; what would be valid" on failure.
*/
rl_code rl_init_check(const rl_params *p, rl_status *st);

/* ---- structure helpers other modules and analyses use ---- */

/*
** The per-column (pre-synaptic) signs of kind dale for this seed: signs[j] = +1
** (excitatory) or -1 (inhibitory), exactly round(init.dale_exc * n) of them +1,
** chosen from stream "init.dale". signs has n = p->model.hidden entries.
*/
rl_code rl_init_dale_signs(const rl_params *p, uint64_t sweep_seed, int8_t *signs, rl_status *st);
/*
** Projection by clipping (init.dale_keep): every weight w[i*n + j] whose sign
** differs from signs[j] is set to 0; weights that are already 0 stay 0. This is
** the Euclidean projection onto the sign-constrained set, applied by the
** training loop after each optimiser step. Returns how many weights were clipped.
*/
size_t rl_init_project_signs(float *w, const int8_t *signs, int n);

/*
** The motif graph of kind chain for this seed: a[i*n + j] = 1 if j -> i, else 0
** (no self-loops), n = p->model.hidden. Kind chain places |W0| weights on it.
*/
rl_code rl_init_chain_adjacency(const rl_params *p, uint64_t sweep_seed, uint8_t *a, rl_status *st);

/* ---- spectra (LAPACK dgeev / dgesdd; the input is never modified) ---- */
typedef struct rl_spectrum {
    double eff_rank_eig; /* sum |lambda_i| / (|lambda_1| N); 0 for the zero matrix */
    double eff_rank_sv;  /* sum s_i / (s_1 N); 0 for the zero matrix */
    double radius;       /* max |lambda_i| */
    double frobenius;    /* sqrt(sum w_ij^2) */
} rl_spectrum;
/* Eigenvalues (dgeev) and singular values (dgesdd) of an n x n matrix. */
rl_code rl_init_spectrum(const double *w, int n, rl_spectrum *out, rl_status *st);
/* Eigenvalues re[k] + i im[k] of an n x n matrix, sorted by modulus, largest first. */
rl_code rl_init_eigenvalues(const double *w, int n, double *re, double *im, rl_status *st);
/* Singular values of an n x n matrix, largest first. */
rl_code rl_init_singular_values(const double *w, int n, double *s, rl_status *st);

#endif /* RICHLAZY_INIT_H */
