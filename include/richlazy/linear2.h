/*
** linear2.h: the two-layer linear network of the theory (paper §3: Thm 1, Prop. 1,
** Fig. 3): its weights, loss and gradient, hidden layer, kernel (module: model).
** Its teacher task is task.h's rl_task_teacher; its initialisation, training and
** measures are run's linear2 runner (train.h: model.kind linear2).
**   f(x) = W2 W1 x,   W1: N x d (N = model.hidden),  W2: 1 x N,
**   X: d x m whitened (X X^T = m I),   teacher y = beta^T F x = b^T x, b = F^T beta,
**   loss L = mean_i (f(x_i) - y_i)^2, full-batch gradient descent, small init.
**   Eq. 7 (NTK): K = X^T (W1^T W1 + ||W2||^2 I) X.
** Symbols -> C: W1 -> net->w1, W2 -> net->w2; X and y are the caller's arrays
** (d x m row-major: column i is sample x_i; m targets).
*/
#ifndef RICHLAZY_LINEAR2_H
#define RICHLAZY_LINEAR2_H

#include "richlazy/core.h"

/* The network: theta = [W1 (n x d, row-major) | W2 (n)], double precision. */
typedef struct rl_linear2 {
    int d, n;
    size_t n_params; /* n*d + n */
    double *theta;   /* owned; w1 and w2 point into it */
    double *w1, *w2;
} rl_linear2;

/* A network with zero weights; RL_EINPUT unless d, n >= 1. */
rl_code rl_linear2_create(int d, int n, rl_linear2 **out, rl_status *st);
void rl_linear2_destroy(rl_linear2 **net); /* safe on NULL; sets *net = NULL */

/* ||a||_2, summed in index order (the network's norms: Eq. 7's ||W2||, the init's scale). */
double rl_linear2_norm(const double *a, size_t n);

/*
** L = mean_i (f(x_i) - y_i)^2 on the m samples x (d x m) with targets y; if grad is
** non-NULL, also dL/dtheta there (theta's layout). scratch: at least m + 2 d doubles.
** Allocates nothing.
*/
double rl_linear2_loss(const rl_linear2 *net, const double *x, const double *y, int m, double *grad,
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

#endif /* RICHLAZY_LINEAR2_H */
