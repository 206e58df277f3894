/*
** metrics.h: the effective-laziness measures (module: metrics) — paper §2.2.
** Each measure is a plain function of (network, probe set), so the analysis of
** saved networks can reuse it. Accumulation in double.
**   Eq. 4  weight change      ||W_h(f) - W_h(0)||_F (and over all parameters)
**   Eq. 5  representation alignment RA = Tr(R_f R_0)/(||R_f||_F ||R_0||_F), R = H^T H,
**          H = hidden activity at the decision step of the probe trials
**   Eq. 6  kernel alignment KA = Tr(K_f K_0)/(||K_f||_F ||K_0||_F), K = J J^T,
**          J = d outputs / d W_h (or all parameters) over the kernel probe rows
*/
#ifndef RICHLAZY_METRICS_H
#define RICHLAZY_METRICS_H

#include "richlazy/core.h"
#include "richlazy/model.h"
#include "richlazy/task.h"

/* Eq. 4: ||a - b||_2 over n floats, in double. */
double rl_metrics_distance(const float *a, const float *b, size_t n);
/* ||a||_2 over n floats, in double. */
double rl_metrics_norm(const float *a, size_t n);

/*
** Eq. 5 uses R = H^T H (N x N), but Tr(R_f R_0) = ||H_f H_0^T||_F^2, so RA can be
** computed from P x P products of the P probe trials' hidden states (whichever of
** N and P is smaller decides the cheaper route).
*/
typedef struct rl_rep rl_rep; /* hidden states at the decision step for one network */
rl_code rl_metrics_rep_create(const rl_rnn *net, const rl_batch *probe, int step, rl_rep **out,
                              rl_status *st);
void rl_metrics_rep_destroy(rl_rep **r);
/* Eq. 5; centred = subtract each unit's mean over trials first (option). */
double rl_metrics_rep_alignment(const rl_rep *r0, const rl_rep *rf, bool centred);

/* The tangent kernel K (M x M, M = rows of J) of one network on the kernel probe rows. */
typedef struct rl_kernel rl_kernel;
typedef enum rl_kernel_wrt { RL_KERNEL_WRT_WH, RL_KERNEL_WRT_ALL } rl_kernel_wrt;
rl_code rl_metrics_kernel_create(const rl_rnn *net, const rl_batch *probe, int trials,
                                 rl_kernel_wrt wrt, bool last_step_only, rl_kernel **out,
                                 rl_status *st);
void rl_metrics_kernel_destroy(rl_kernel **k);
int rl_metrics_kernel_size(const rl_kernel *k);
const double *rl_metrics_kernel_data(const rl_kernel *k); /* M x M, row-major */
/* Eq. 6 */
double rl_metrics_kernel_alignment(const rl_kernel *k0, const rl_kernel *kf);
/* Alignment of K with the task kernel y y^T (y = one-hot targets or regression targets per row). */
double rl_metrics_kernel_task_alignment(const rl_kernel *k, const rl_batch *probe);
/* Effective rank of K: sum of eigenvalues / largest eigenvalue / M. */
rl_code rl_metrics_kernel_eff_rank(const rl_kernel *k, double *out, rl_status *st);

#endif /* RICHLAZY_METRICS_H */
