/*
** linear2.c: the two-layer linear network of the theory — weights, loss and
** gradient, hidden layer, Eq. 7 kernel, Jacobian (module: model; equations in
** linear2.h). Its teacher task is task/teacher.c; its initialisation, training
** loop and measures are the linear2 runner, run/linear2.c.
** Why this shape: the network is tiny (N d + N weights), so it runs in double
** and one GD step costs O(N d + d m) by never forming the hidden layer:
**   u = W1^T W2^T, f = u^T X, e = f - y, v = X e,
**   dL/dW1 = (2/m) W2^T v^T,   dL/dW2 = (2/m) (W1 v)^T.
** The samples come in as plain arrays (X, y), so the model knows nothing of tasks.
*/
#include "richlazy/linear2.h"

#include <cblas.h>
#include <math.h>

/* ---- the network ---- */

rl_code rl_linear2_create(int d, int n, rl_linear2 **out, rl_status *st)
{
    *out = NULL;
    RL_CHECK(d >= 1 && n >= 1, st, RL_EINPUT,
             "linear2: d = %d inputs and N = %d hidden units; valid: both >= 1", d, n);
    rl_linear2 *net = rl_alloc(1, sizeof *net, st);
    if (!net) return RL_ENOMEM;
    net->d = d;
    net->n = n;
    net->n_params = (size_t)n * (size_t)d + (size_t)n;
    net->theta = rl_alloc(net->n_params, sizeof *net->theta, st);
    if (!net->theta) {
        rl_linear2_destroy(&net);
        return RL_ENOMEM;
    }
    net->w1 = net->theta;
    net->w2 = net->theta + (size_t)n * d;
    *out = net;
    return RL_OK;
}

void rl_linear2_destroy(rl_linear2 **net)
{
    if (!net || !*net) return;
    rl_free((*net)->theta);
    rl_free(*net);
    *net = NULL;
}

double rl_linear2_norm(const double *a, size_t n)
{
    double s = 0.0;
    for (size_t i = 0; i < n; i++)
        s += a[i] * a[i];
    return sqrt(s);
}

/* ---- loss, hidden layer, kernel ---- */

double rl_linear2_loss(const rl_linear2 *net, const double *x, const double *y, int m, double *grad,
                       double *scratch)
{
    int n = net->n, d = net->d;
    double *u = scratch, *e = scratch + d, *v = e + m;
    cblas_dgemv(CblasRowMajor, CblasTrans, n, d, 1.0, net->w1, d, net->w2, 1, 0.0, u, 1);
    cblas_dgemv(CblasRowMajor, CblasTrans, d, m, 1.0, x, m, u, 1, 0.0, e, 1); /* f */
    double loss = 0.0;
    for (int i = 0; i < m; i++) {
        e[i] -= y[i];
        loss += e[i] * e[i];
    }
    loss /= m;
    if (!grad) return loss;
    cblas_dgemv(CblasRowMajor, CblasNoTrans, d, m, 1.0, x, m, e, 1, 0.0, v, 1); /* X e */
    double c = 2.0 / m;
    for (int a = 0; a < n; a++)
        for (int j = 0; j < d; j++)
            grad[(size_t)a * d + j] = c * net->w2[a] * v[j];
    cblas_dgemv(CblasRowMajor, CblasNoTrans, n, d, c, net->w1, d, v, 1, 0.0, grad + (size_t)n * d,
                1);
    return loss;
}

void rl_linear2_hidden(const rl_linear2 *net, const double *x, int m, double *h)
{
    /* h = X^T W1^T (m x n): rows are samples */
    cblas_dgemm(CblasRowMajor, CblasTrans, CblasTrans, m, net->n, net->d, 1.0, x, m, net->w1,
                net->d, 0.0, h, net->n);
}

rl_code rl_linear2_ntk(const rl_linear2 *net, const double *x, int m, double *k, rl_status *st)
{
    int n = net->n, d = net->d;
    double *h = rl_alloc((size_t)m * n, sizeof *h, st);
    if (!h) return RL_ENOMEM;
    double w2 = rl_linear2_norm(net->w2, (size_t)n);
    rl_linear2_hidden(net, x, m, h);
    /* Eq. 7: K = (W1 X)^T (W1 X) + ||W2||^2 X^T X */
    cblas_dgemm(CblasRowMajor, CblasNoTrans, CblasTrans, m, m, n, 1.0, h, n, h, n, 0.0, k, m);
    cblas_dgemm(CblasRowMajor, CblasTrans, CblasNoTrans, m, m, d, w2 * w2, x, m, x, m, 1.0, k, m);
    rl_free(h);
    return RL_OK;
}

void rl_linear2_jacobian(const rl_linear2 *net, const double *x, int m, double *j)
{
    int n = net->n, d = net->d;
    size_t cols = net->n_params;
    for (int i = 0; i < m; i++) {
        double *row = j + (size_t)i * cols;
        for (int a = 0; a < n; a++) {
            double hidden = 0.0;
            for (int c = 0; c < d; c++) {
                row[(size_t)a * d + c] = net->w2[a] * x[(size_t)c * m + i]; /* d f / d W1[a][c] */
                hidden += net->w1[(size_t)a * d + c] * x[(size_t)c * m + i];
            }
            row[(size_t)n * d + a] = hidden; /* d f / d W2[a] = (W1 x_i)[a] */
        }
    }
}
