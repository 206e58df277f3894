/*
** init.h: initial connectivity generators and spectral measures (module: init).
** Every generator writes W_h(0) (N x N, row = post-synaptic, double) at the
** magnitude init.gain and init.norm select (Frobenius norm of the gain-g Gaussian
** by default, as the paper), from streams keyed so that every rank / gain /
** structure of one seed shares the same base Gaussian W0 (paired design).
** Registry: init.c lists every kind with its parameters.
*/
#ifndef RICHLAZY_INIT_H
#define RICHLAZY_INIT_H

#include "richlazy/core.h"
#include "richlazy/params.h"

/* Builds W_h(0) (n x n, n = p->model.hidden) for p->init.kind into w (double, row-major). */
rl_code rl_init_recurrent(const rl_params *p, uint64_t sweep_seed, double *w, rl_status *st);
/* W_x and w_out: uniform on +-1/sqrt(fan_in) (PyTorch nn.Linear's default), from their streams. */
void rl_init_input(const rl_params *p, uint64_t sweep_seed, int n_in, float *w_x);
void rl_init_output(const rl_params *p, uint64_t sweep_seed, int n_out, float *w_out);
/* Cheap checks of init parameters that need no data (e.g. rank <= hidden). */
rl_code rl_init_check(const rl_params *p, rl_status *st);

/* ---- spectra ---- */
typedef struct rl_spectrum {
    double eff_rank_eig; /* sum |lambda_i| / (|lambda_1| N) */
    double eff_rank_sv;  /* sum s_i / (s_1 N) */
    double radius;       /* max |lambda_i| */
    double frobenius;
} rl_spectrum;
/* Eigenvalues (dgeev) and singular values (dgesdd) of an n x n matrix. */
rl_code rl_init_spectrum(const double *w, int n, rl_spectrum *out, rl_status *st);

#endif /* RICHLAZY_INIT_H */
