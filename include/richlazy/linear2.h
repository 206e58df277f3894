/*
** linear2.h: the two-layer linear network of the theory (paper §3: Thm 1, Prop. 1,
** Fig. 3), its teacher task, and one entry point that trains it and fills the
** measures (module: model; linked as the rl_linear2 library, which sits above
** metrics because its measures are metrics' own, see src/metrics/meson.build).
**   f(x) = W2 W1 x,   W1: N x d (N = model.hidden),  W2: 1 x N,
**   X: d x m whitened (X X^T = m I),   teacher y = beta^T F x = b^T x, b = F^T beta,
**   beta ~ N(0, 1/d),  F = U diag(kappa, .., kappa, 1, .., 1) V^T (top d/2 = kappa),
**   loss L = mean_i (f(x_i) - y_i)^2, full-batch gradient descent, small init.
**   Eq. 7 (NTK): K = X^T (W1^T W1 + ||W2||^2 I) X.
** Symbols -> C: W1 -> net->w1, W2 -> net->w2, X -> data->x, b -> data->b, F -> data->f.
** Streams (rng.h): "linear.teacher" (beta, U, V) and "linear.data" (X) keyed by
** linear.teacher_seed (or the item seed when -1); "linear.init" (W1(0), W2(0))
** keyed by the item seed, so every init kind and rank of one seed shares its draws.
*/
#ifndef RICHLAZY_LINEAR2_H
#define RICHLAZY_LINEAR2_H

#include "richlazy/core.h"
#include "richlazy/params.h"
#include "richlazy/result.h"

/* The network: theta = [W1 (n x d, row-major) | W2 (n)], double precision. */
typedef struct rl_linear2 {
    int d, n;
    size_t n_params; /* n*d + n */
    double *theta;   /* owned; w1 and w2 point into it */
    double *w1, *w2;
} rl_linear2;

/* The teacher task on a fixed whitened sample. */
typedef struct rl_linear2_data {
    int d, m;
    double *x; /* d x m, row-major: column i is sample x_i; X X^T = m I */
    double *y; /* m targets y_i = b^T x_i */
    double *b; /* d: the effective teacher F^T beta (what y sees in input space) */
    double *f; /* d x d feature map F */
    double *v; /* d x d: F's right singular vectors as rows, the kappa ones first */
} rl_linear2_data;

/* A network with zero weights; RL_EINPUT unless d, n >= 1. */
rl_code rl_linear2_create(int d, int n, rl_linear2 **out, rl_status *st);
void rl_linear2_destroy(rl_linear2 **net); /* safe on NULL; sets *net = NULL */

/*
** Draws the teacher and the whitened inputs for p->linear (streams above).
** RL_EINPUT if linear.m < linear.d (whitening needs m >= d).
*/
rl_code rl_linear2_data_create(const rl_params *p, uint64_t sweep_seed, rl_linear2_data **out,
                               rl_status *st);
void rl_linear2_data_destroy(rl_linear2_data **data); /* safe on NULL; sets *data = NULL */

/*
** W1(0), W2(0) for p->linear.init, with ||W1(0)||_F = ||W2(0)|| = linear.sigma:
**   random   a Gaussian N x d matrix truncated to rank linear.rank (0 = full) by SVD;
**   aligned  Prop. 1: W1 = sigma e_1 b^T / ||b||, b = F^T beta the effective teacher
**            (the paper's beta when kappa = 1 makes F orthogonal; with features
**            modulated the teacher seen by W1 is F^T beta);
**   partial  F truncated to rank h = d/2, F_h = U_h K_h V_h^T, with its left factor
**            U_h replaced by the first h hidden units: rows i < h of W1 are v_i^T
**            scaled to the norm (a rotation of the hidden layer, which the
**            dynamics are equivariant to); needs N >= d/2 >= 1.
** W2(0) = sigma u / ||u||, u Gaussian, the same for every kind. RL_EINPUT for a rank
** above min(N, d) or a partial init that does not fit.
*/
rl_code rl_linear2_init(const rl_params *p, uint64_t sweep_seed, const rl_linear2_data *data,
                        rl_linear2 *net, rl_status *st);

/*
** L = mean_i (f(x_i) - y_i)^2 on data; if grad is non-NULL, also dL/dtheta there
** (theta's layout). scratch: at least m + 2 d doubles. Allocates nothing.
*/
double rl_linear2_loss(const rl_linear2 *net, const rl_linear2_data *data, double *grad,
                       double *scratch);
/* Hidden layer on m samples: h (m x n) = (W1 X)^T, rows = samples, as rl_rep expects. */
void rl_linear2_hidden(const rl_linear2 *net, const double *x, int m, double *h);
/* Eq. 7 on m samples: k (m x m) = X^T (W1^T W1 + ||W2||^2 I) X. */
rl_code rl_linear2_ntk(const rl_linear2 *net, const double *x, int m, double *k, rl_status *st);
/*
** The Jacobian j (m x n_params) of f(x_i) by theta, for the generic route K = J J^T:
** d f / d W1[a][c] = W2[a] x_i[c], d f / d W2[a] = (W1 x_i)[a].
*/
void rl_linear2_jacobian(const rl_linear2 *net, const double *x, int m, double *j);

/*
** One item of model.kind linear2: builds data and network from p (linear.*, and
** model.hidden for N), trains linear.steps full-batch GD steps at linear.lr, and
** fills in out: status (done or diverged), weight_change (W1), weight_change_all
** ([W1 | W2]), weight_change_rel, rep_alignment (Eq. 5 on the hidden layer over the
** m samples), kernel_alignment (Eq. 6 on Eq. 7 kernels), kernel_task_alignment
** (y y^T), kernel_eff_rank and both at step 0 (the _init measures), initial_loss,
** final_loss, eff_rank_sv (of W1(0): sum s_i / (s_1 min(N, d))), diverged_step, the
** loss at every train.curve_every-th step from step 0 (first RL_CURVE_MAX records),
** the kernel curves at records whose step is a multiple of probe.kernel_every, and
** wall_seconds. Other
** fields are left as the caller set them (rl_result_clear). Not collective.
*/
rl_code rl_linear2_run(const rl_params *p, uint64_t sweep_seed, rl_result *out, rl_status *st);

#endif /* RICHLAZY_LINEAR2_H */
