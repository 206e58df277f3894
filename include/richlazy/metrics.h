/*
** metrics.h: the effective-laziness measures (module: metrics), paper §2.2.
** Each measure is a plain function of (network, probe set), so the analysis of
** saved networks can reuse it. Everything is computed and accumulated in double,
** whatever precision the network runs in.
**   Eq. 4  weight change      ||W_h(f) - W_h(0)||_F (and over all parameters)
**   Eq. 5  representation alignment RA = Tr(R_f R_0)/(||R_f||_F ||R_0||_F), R = H H^T,
**          H = hidden activity at the decision step of the probe trials (rows = trials)
**   Eq. 6  kernel alignment KA = Tr(K_f K_0)/(||K_f||_F ||K_0||_F), K = J J^T,
**          J = d outputs / d W_h (the reference script) or all parameters
** Symbols -> C: W_h -> net->w_h, W_x -> net->w_x, w -> net->w_out, rho -> net->rho,
** H -> rl_rep, K -> rl_kernel, J -> rl_metrics_jacobian.
** metrics sees a network only through model.h's public functions (DESIGN).
*/
#ifndef RICHLAZY_METRICS_H
#define RICHLAZY_METRICS_H

#include "richlazy/batch.h"
#include "richlazy/core.h"
#include "richlazy/model.h"

/* ---- Eq. 4: weight change ---- */

/* ||a - b||_2 over n floats, accumulated in double. */
double rl_metrics_distance(const float *a, const float *b, size_t n);
/* ||a||_2 over n floats, accumulated in double. */
double rl_metrics_norm(const float *a, size_t n);

typedef struct rl_weight_change {
    double w_h;     /* Eq. 4 on W_h: ||W_h(f) - W_h(0)||_F */
    double all;     /* Eq. 4 on theta = [W_h | W_x | w]: ||theta(f) - theta(0)||_2 */
    double w_h_rel; /* w_h / ||W_h(0)||_F (NaN if W_h(0) = 0) */
} rl_weight_change;
/* The three weight changes between two networks of one shape (RL_EINPUT otherwise). */
rl_code rl_metrics_weight_change(const rl_rnn *n0, const rl_rnn *nf, rl_weight_change *out,
                                 rl_status *st);

/* ---- Eq. 5: representation alignment ---- */

/*
** H (P trials x N units) for one network, in double, with each unit's mean over
** trials. Eq. 5's R is the P x P trial gram H H^T (the reference script's
** act @ act.T); Tr(R_f R_0) = ||H_f^T H_0||_F^2 and ||R||_F = ||H^T H||_F, so RA is
** computed from P x P products when P <= N and from N x N ones otherwise, tile
** by tile, without allocating.
*/
typedef struct rl_rep rl_rep;
/*
** Runs net on every probe trial and keeps r_step (0 <= step < probe->steps), or with
** RL_REP_ALL_STEPS every step's states as rows (step-major: T x trials rows), for a probe
** of one frozen trial, where the trial-by-trial gram has a single entry.
*/
#define RL_REP_ALL_STEPS (-1)
rl_code rl_metrics_rep_create(const rl_rnn *net, const rl_batch *probe, int step, rl_rep **out,
                              rl_status *st);
/* H given directly: rows x cols, row-major (e.g. the linear network's hidden layer). */
rl_code rl_metrics_rep_from_rows(const double *h, int rows, int cols, rl_rep **out, rl_status *st);
void rl_metrics_rep_destroy(rl_rep **r); /* safe on NULL; sets *r = NULL */
int rl_metrics_rep_rows(const rl_rep *r);
int rl_metrics_rep_cols(const rl_rep *r);
const double *rl_metrics_rep_data(const rl_rep *r); /* rows x cols, row-major */
/*
** Eq. 5. centred = subtract each unit's mean over trials first (option; the paper
** is uncentred). NaN if the shapes differ or either R is zero (a silent network).
*/
double rl_metrics_rep_alignment(const rl_rep *r0, const rl_rep *rf, bool centred);

/* ---- Eq. 6: tangent kernel ---- */

typedef enum rl_kernel_wrt {
    RL_KERNEL_WRT_WH,  /* J = d y / d W_h (the reference script) */
    RL_KERNEL_WRT_ALL, /* J = d y / d theta, theta = [W_h | W_x | w] (the paper's text) */
} rl_kernel_wrt;

/*
** The rows of J: the outputs of the first `trials` probe trials at every step, or
** at the last step only (sMNIST). Row (t', b, o) -> m = (t' * trials + b) * n_out + o
** with t' = t, or t' = 0 for t = T - 1 when last_step_only: the layout of
** rl_rnn_outputs, so m also indexes the flattened outputs of the kernel trials.
*/
int rl_metrics_kernel_rows(const rl_rnn *net, int steps, int trials, bool last_step_only);
/* Columns of J: N*N for W_h, n_params for all parameters (theta's layout). */
size_t rl_metrics_jacobian_cols(const rl_rnn *net, rl_kernel_wrt wrt);
/*
** J itself, rows x cols (row-major, double), by exact backward recursions (no finite
** differences). Memory rows*cols doubles: meant for small networks, tests and
** analysis; the kernel below never forms J.
*/
rl_code rl_metrics_jacobian(const rl_rnn *net, const rl_batch *probe, int trials, rl_kernel_wrt wrt,
                            bool last_step_only, double *j, rl_status *st);

/* K (M x M, M = rows of J) of one network, in double. */
typedef struct rl_kernel rl_kernel;
/*
** K = J J^T without forming J: batched backward passes (one GEMM per step for all
** outputs and trials) give d y_m / d a_s, and K is assembled from their Gram matrix
** and the Gram matrix of the inputs to W_h (and W_x): see kernel.c. RL_EINPUT if
** trials exceeds the probe's trials or the shapes disagree.
*/
rl_code rl_metrics_kernel_create(const rl_rnn *net, const rl_batch *probe, int trials,
                                 rl_kernel_wrt wrt, bool last_step_only, rl_kernel **out,
                                 rl_status *st);
/*
** The same kernel by a chosen route (kernel.c): GRAM forms the Gram matrix of the
** backward slabs, EXPLICIT forms J in column blocks; AUTO (what kernel_create uses)
** takes the one with fewer estimated flops — GRAM for the cognitive tasks, EXPLICIT
** for long trials read at the last step (sMNIST). Both agree to rounding.
*/
typedef enum rl_kernel_route {
    RL_KERNEL_ROUTE_AUTO,
    RL_KERNEL_ROUTE_GRAM,
    RL_KERNEL_ROUTE_EXPLICIT,
} rl_kernel_route;
rl_code rl_metrics_kernel_create_route(const rl_rnn *net, const rl_batch *probe, int trials,
                                       rl_kernel_wrt wrt, bool last_step_only,
                                       rl_kernel_route route, rl_kernel **out, rl_status *st);
/* K given directly (m x m, copied), e.g. the linear network's Eq. 7. */
rl_code rl_metrics_kernel_from_matrix(const double *k, int m, rl_kernel **out, rl_status *st);
/* K = J J^T from an explicit J (m x p), e.g. to check a closed form against the generic route. */
rl_code rl_metrics_kernel_from_jacobian(const double *j, int m, size_t p, rl_kernel **out,
                                        rl_status *st);
void rl_metrics_kernel_destroy(rl_kernel **k); /* safe on NULL; sets *k = NULL */
int rl_metrics_kernel_size(const rl_kernel *k);
const double *rl_metrics_kernel_data(const rl_kernel *k); /* M x M, row-major, symmetric */

/* Eq. 6 on two symmetric m x m matrices: Tr(A B)/(||A||_F ||B||_F); NaN if either is 0. */
double rl_metrics_alignment(const double *a, const double *b, int m);
/* Eq. 6 between two kernels; NaN if the sizes differ or either is zero. */
double rl_metrics_kernel_alignment(const rl_kernel *k0, const rl_kernel *kf);
/* Eq. 6 between K and the task kernel y y^T: y^T K y / (||K||_F ||y||^2); NaN if y = 0. */
double rl_metrics_target_alignment(const rl_kernel *k, const double *y);
/*
** Kernel-task alignment on the probe set K was built from: the target of row m is the
** one-hot label of (t, b) at output o (a probe with labels: loss CE) or the regression
** target (loss MSE), and 0 where the probe's mask is 0. NaN for a kernel not built by
** rl_metrics_kernel_create or a probe of another shape.
*/
double rl_metrics_kernel_task_alignment(const rl_kernel *k, const rl_batch *probe);
/* Effective rank of K (PSD): sum of eigenvalues / largest eigenvalue / M, in (0, 1]. */
rl_code rl_metrics_kernel_eff_rank(const rl_kernel *k, double *out, rl_status *st);

#endif /* RICHLAZY_METRICS_H */
