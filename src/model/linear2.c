/*
** linear2.c: the two-layer linear network of the theory and its teacher task
** (module: model; equations and streams in linear2.h).
** Why this shape: the network is tiny (N d + N weights), so it runs in double
** and one GD step costs O(N d + d m) by never forming the hidden layer:
**   u = W1^T W2^T, f = u^T X, e = f - y, v = X e,
**   dL/dW1 = (2/m) W2^T v^T,   dL/dW2 = (2/m) (W1 v)^T.
** The measures are the metrics module's (Eq. 5 on the hidden layer, Eq. 6 on the
** Eq. 7 kernels), so the linear theory and the RNN sweeps share one definition.
** Invariants: X X^T = m I to rounding; ||W1(0)||_F = ||W2(0)|| = sigma.
*/
#include "richlazy/linear2.h"

#include "richlazy/metrics.h"
#include "richlazy/rng.h"

#include <cblas.h>
#include <lapacke.h>
#include <math.h>
#include <string.h>

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

/* ---- small dense helpers ---- */

static double norm2(const double *a, size_t n)
{
    double s = 0.0;
    for (size_t i = 0; i < n; i++)
        s += a[i] * a[i];
    return sqrt(s);
}

static void scale_to(double *a, size_t n, double target)
{
    double s = norm2(a, n);
    for (size_t i = 0; i < n && s > 0.0; i++)
        a[i] *= target / s;
}

/* q (d x d) Haar-orthogonal: QR of a Gaussian with R's diagonal made positive. */
static rl_code haar_orthogonal(rl_rng *r, int d, double *q, rl_status *st)
{
    double *tau = rl_alloc(2 * (size_t)d, sizeof *tau, st);
    if (!tau) return RL_ENOMEM;
    double *sign = tau + d;
    rl_rng_fill_normal_d(r, q, (size_t)d * d, 0.0, 1.0);
    lapack_int info = LAPACKE_dgeqrf(LAPACK_ROW_MAJOR, d, d, q, d, tau);
    for (int i = 0; i < d; i++)
        sign[i] = q[(size_t)i * d + i] < 0.0 ? -1.0 : 1.0;
    if (info == 0) info = LAPACKE_dorgqr(LAPACK_ROW_MAJOR, d, d, d, q, d, tau);
    for (int i = 0; i < d; i++)
        for (int j = 0; j < d; j++)
            q[(size_t)i * d + j] *= sign[j];
    rl_free(tau);
    RL_CHECK(info == 0, st, RL_EBUG, "linear2: LAPACK QR failed (info %d) for d = %d", (int)info,
             d);
    return RL_OK;
}

/* Thin SVD of a (rows x cols, destroyed): s (k), u (rows x k), vt (k x cols), k = min. */
static rl_code svd(double *a, int rows, int cols, double *s, double *u, double *vt, rl_status *st)
{
    int k = rows < cols ? rows : cols;
    lapack_int info = LAPACKE_dgesdd(LAPACK_ROW_MAJOR, 'S', rows, cols, a, cols, s, u, k, vt, cols);
    RL_CHECK(info == 0, st, RL_EBUG, "linear2: LAPACK SVD failed (info %d) on %d x %d", (int)info,
             rows, cols);
    return RL_OK;
}

/* ---- the teacher task ---- */

/* X <- (X X^T / m)^{-1/2} X, so that X X^T = m I. c: 2 d^2 + d doubles, tmp: d m. */
static rl_code whiten(double *x, int d, int m, double *c, double *tmp, rl_status *st)
{
    double *q = c, *w = c + (size_t)d * d, *ev = w + (size_t)d * d;
    cblas_dgemm(CblasRowMajor, CblasNoTrans, CblasTrans, d, d, m, 1.0 / m, x, m, x, m, 0.0, q, d);
    lapack_int info = LAPACKE_dsyev(LAPACK_ROW_MAJOR, 'V', 'U', d, q, d, ev);
    RL_CHECK(info == 0 && ev[0] > 1e-12 * ev[d - 1], st, RL_EBUG,
             "linear2: the input covariance is singular (info %d); cannot whiten", (int)info);
    for (int i = 0; i < d; i++) /* w = Q diag(ev^-1/2) Q^T */
        for (int j = 0; j < d; j++) {
            double s = 0.0;
            for (int k = 0; k < d; k++)
                s += q[(size_t)i * d + k] * q[(size_t)j * d + k] / sqrt(ev[k]);
            w[(size_t)i * d + j] = s;
        }
    cblas_dgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, d, m, d, 1.0, w, d, x, m, 0.0, tmp, m);
    memcpy(x, tmp, (size_t)d * m * sizeof *x);
    return RL_OK;
}

/* F = U diag(s) V^T with s = kappa for the top d/2, 1 below; b = F^T beta. */
static rl_code draw_teacher(const rl_params *p, uint64_t sweep_seed, uint64_t key,
                            rl_linear2_data *t, double *u, rl_status *st)
{
    int d = t->d, h = d / 2;
    rl_rng r;
    rl_rng_init(&r, sweep_seed, "linear.teacher", key, 0);
    double *beta = t->y; /* y is still free: borrow it for beta (d <= m) */
    rl_rng_fill_normal_d(&r, beta, (size_t)d, 0.0, 1.0 / sqrt(d)); /* beta ~ N(0, 1/d) */
    RL_TRY(haar_orthogonal(&r, d, u, st));
    RL_TRY(haar_orthogonal(&r, d, t->v, st)); /* columns are V's singular vectors */
    for (int i = 0; i < d; i++)
        for (int j = 0; j < d; j++) {
            double s = 0.0;
            for (int k = 0; k < d; k++)
                s += u[(size_t)i * d + k] * (k < h ? p->linear.kappa : 1.0) *
                     t->v[(size_t)j * d + k];
            t->f[(size_t)i * d + j] = s;
        }
    for (int i = 0; i < d; i++) /* store V^T: row i = v_i */
        for (int j = 0; j < i; j++) {
            double tmp = t->v[(size_t)i * d + j];
            t->v[(size_t)i * d + j] = t->v[(size_t)j * d + i];
            t->v[(size_t)j * d + i] = tmp;
        }
    cblas_dgemv(CblasRowMajor, CblasTrans, d, d, 1.0, t->f, d, beta, 1, 0.0, t->b, 1);
    return RL_OK;
}

static rl_code fill_data(const rl_params *p, uint64_t sweep_seed, rl_linear2_data *t, rl_status *st)
{
    int d = t->d, m = t->m;
    uint64_t key =
        p->linear.teacher_seed >= 0 ? (uint64_t)p->linear.teacher_seed : (uint64_t)p->seed;
    size_t dd = (size_t)d * d;
    double *scratch = rl_alloc(4 * dd + d + (size_t)d * m, sizeof *scratch, st);
    if (!scratch) return RL_ENOMEM;
    rl_code rc = draw_teacher(p, sweep_seed, key, t, scratch, st);
    if (rc == RL_OK) {
        rl_rng r;
        rl_rng_init(&r, sweep_seed, "linear.data", key, 0);
        rl_rng_fill_normal_d(&r, t->x, (size_t)d * m, 0.0, 1.0);
        rc = whiten(t->x, d, m, scratch, scratch + 3 * dd + d, st);
    }
    if (rc == RL_OK) /* y = b^T X */
        cblas_dgemv(CblasRowMajor, CblasTrans, d, m, 1.0, t->x, m, t->b, 1, 0.0, t->y, 1);
    rl_free(scratch);
    return rc;
}

rl_code rl_linear2_data_create(const rl_params *p, uint64_t sweep_seed, rl_linear2_data **out,
                               rl_status *st)
{
    *out = NULL;
    long d = p->linear.d, m = p->linear.m;
    RL_CHECK(m >= d, st, RL_EINPUT,
             "linear.m = %ld < linear.d = %ld; valid: linear.m >= linear.d (the inputs are "
             "whitened, X X^T = m I, which needs at least d samples)",
             m, d);
    rl_linear2_data *t = rl_alloc(1, sizeof *t, st);
    if (!t) return RL_ENOMEM;
    t->d = (int)d;
    t->m = (int)m;
    t->x = rl_alloc((size_t)d * (size_t)m, sizeof *t->x, st);
    t->y = rl_alloc((size_t)m, sizeof *t->y, st);
    t->b = rl_alloc((size_t)d, sizeof *t->b, st);
    t->f = rl_alloc((size_t)d * (size_t)d, sizeof *t->f, st);
    t->v = rl_alloc((size_t)d * (size_t)d, sizeof *t->v, st);
    rl_code rc = RL_ENOMEM;
    if (t->x && t->y && t->b && t->f && t->v) rc = fill_data(p, sweep_seed, t, st);
    if (rc != RL_OK) {
        rl_linear2_data_destroy(&t);
        return rc;
    }
    *out = t;
    return RL_OK;
}

void rl_linear2_data_destroy(rl_linear2_data **data)
{
    if (!data || !*data) return;
    rl_free((*data)->x);
    rl_free((*data)->y);
    rl_free((*data)->b);
    rl_free((*data)->f);
    rl_free((*data)->v);
    rl_free(*data);
    *data = NULL;
}

/* ---- initialisation ---- */

/* W1 <- the rank-r truncation of g (n x d, destroyed) by SVD; r = min(n, d) keeps g. */
static rl_code truncate_rank(double *g, int n, int d, int r, double *w1, rl_status *st)
{
    int k = n < d ? n : d;
    if (r == k) {
        memcpy(w1, g, (size_t)n * d * sizeof *w1);
        return RL_OK;
    }
    double *s = rl_alloc((size_t)k + (size_t)n * k + (size_t)k * d, sizeof *s, st);
    if (!s) return RL_ENOMEM;
    double *u = s + k, *vt = u + (size_t)n * k;
    rl_code rc = svd(g, n, d, s, u, vt, st);
    if (rc == RL_OK) /* W1 = U_r S_r V_r^T */
        for (int i = 0; i < n; i++)
            for (int j = 0; j < d; j++) {
                double a = 0.0;
                for (int q = 0; q < r; q++)
                    a += u[(size_t)i * k + q] * s[q] * vt[(size_t)q * d + j];
                w1[(size_t)i * d + j] = a;
            }
    rl_free(s);
    return rc;
}

rl_code rl_linear2_init(const rl_params *p, uint64_t sweep_seed, const rl_linear2_data *data,
                        rl_linear2 *net, rl_status *st)
{
    int n = net->n, d = net->d, k = n < d ? n : d, h = d / 2;
    long rank = p->linear.rank ? p->linear.rank : k;
    const char *kind = p->linear.init;
    RL_CHECK(data->d == d, st, RL_EINPUT, "linear2: data of dimension %d for a network of %d",
             data->d, d);
    RL_CHECK(strcmp(kind, "random") != 0 || rank <= k, st, RL_EINPUT,
             "linear.rank = %ld exceeds min(model.hidden, linear.d) = %d; valid: 0 (full) to %d",
             rank, k, k);
    RL_CHECK(strcmp(kind, "partial") != 0 || (h >= 1 && n >= h), st, RL_EINPUT,
             "linear.init = partial needs linear.d >= 2 and model.hidden >= linear.d/2 (got d = "
             "%d, N = %d); valid: a larger d or N, or another init",
             d, n);
    double *g = rl_alloc((size_t)n * d, sizeof *g, st);
    if (!g) return RL_ENOMEM;
    rl_rng r; /* one draw order for every kind: W2(0) is shared within a seed */
    rl_rng_init(&r, sweep_seed, "linear.init", (uint64_t)p->seed, 0);
    rl_rng_fill_normal_d(&r, g, (size_t)n * d, 0.0, 1.0);
    rl_rng_fill_normal_d(&r, net->w2, (size_t)n, 0.0, 1.0);
    scale_to(net->w2, (size_t)n, p->linear.sigma);
    memset(net->w1, 0, (size_t)n * d * sizeof *net->w1);
    rl_code rc = RL_OK;
    if (strcmp(kind, "aligned") == 0) /* Prop. 1: W1 = sigma e_1 b^T / ||b|| */
        memcpy(net->w1, data->b, (size_t)d * sizeof *net->w1);
    else if (strcmp(kind, "partial") == 0) /* rows i < h: kappa v_i^T (F_h without U_h) */
        for (int i = 0; i < h; i++)
            for (int j = 0; j < d; j++)
                net->w1[(size_t)i * d + j] = p->linear.kappa * data->v[(size_t)i * d + j];
    else
        rc = truncate_rank(g, n, d, (int)rank, net->w1, st);
    scale_to(net->w1, (size_t)n * d, p->linear.sigma);
    rl_free(g);
    return rc;
}

/* ---- loss, hidden layer, kernel ---- */

double rl_linear2_loss(const rl_linear2 *net, const rl_linear2_data *data, double *grad,
                       double *scratch)
{
    int n = net->n, d = net->d, m = data->m;
    double *u = scratch, *e = scratch + d, *v = e + m;
    cblas_dgemv(CblasRowMajor, CblasTrans, n, d, 1.0, net->w1, d, net->w2, 1, 0.0, u, 1);
    cblas_dgemv(CblasRowMajor, CblasTrans, d, m, 1.0, data->x, m, u, 1, 0.0, e, 1); /* f */
    double loss = 0.0;
    for (int i = 0; i < m; i++) {
        e[i] -= data->y[i];
        loss += e[i] * e[i];
    }
    loss /= m;
    if (!grad) return loss;
    cblas_dgemv(CblasRowMajor, CblasNoTrans, d, m, 1.0, data->x, m, e, 1, 0.0, v, 1); /* X e */
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
    double w2 = norm2(net->w2, (size_t)n);
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

/* ---- one item ---- */

/* K (Eq. 7) of net on the training inputs, as an rl_kernel. */
static rl_code kernel_of(const rl_linear2 *net, const rl_linear2_data *data, rl_kernel **out,
                         rl_status *st)
{
    int m = data->m;
    double *k = rl_alloc((size_t)m * m, sizeof *k, st);
    if (!k) return RL_ENOMEM;
    rl_code rc = rl_linear2_ntk(net, data->x, m, k, st);
    if (rc == RL_OK) rc = rl_metrics_kernel_from_matrix(k, m, out, st);
    rl_free(k);
    return rc;
}

/* H (m x N, Eq. 5's rows = samples) of net, as an rl_rep. */
static rl_code rep_of(const rl_linear2 *net, const rl_linear2_data *data, rl_rep **out,
                      rl_status *st)
{
    double *h = rl_alloc((size_t)data->m * net->n, sizeof *h, st);
    if (!h) return RL_ENOMEM;
    rl_linear2_hidden(net, data->x, data->m, h);
    rl_code rc = rl_metrics_rep_from_rows(h, data->m, net->n, out, st);
    rl_free(h);
    return rc;
}

/* sum s_i / (s_1 min(N, d)) of W1 (the RNN's eff_rank_sv for a non-square matrix). */
static rl_code eff_rank_sv(const rl_linear2 *net, double *out, rl_status *st)
{
    int n = net->n, d = net->d, k = n < d ? n : d;
    double *a = rl_alloc((size_t)n * d + k + (size_t)n * k + (size_t)k * d, sizeof *a, st);
    if (!a) return RL_ENOMEM;
    double *s = a + (size_t)n * d, *u = s + k, *vt = u + (size_t)n * k, sum = 0.0;
    memcpy(a, net->w1, (size_t)n * d * sizeof *a);
    rl_code rc = svd(a, n, d, s, u, vt, st);
    for (int i = 0; i < k; i++)
        sum += s[i];
    *out = rc == RL_OK && s[0] > 0.0 ? sum / (s[0] * k) : NAN;
    rl_free(a);
    return rc;
}

/* The kernel curves' record r (curves.def): Eq. 7's K now against K(0) and the teacher. */
static rl_code record_kernel(const rl_linear2 *net, const rl_linear2_data *data,
                             const rl_kernel *k0, rl_result *out, int r, rl_status *st)
{
    rl_kernel *k = NULL;
    double er = NAN;
    rl_code rc = kernel_of(net, data, &k, st);
    if (rc == RL_OK) rc = rl_metrics_kernel_eff_rank(k, &er, st);
    if (rc == RL_OK) {
        out->curve[RL_CURVE_kernel_alignment_curve][r] = (float)rl_metrics_kernel_alignment(k0, k);
        out->curve[RL_CURVE_kernel_task_alignment_curve][r] =
            (float)rl_metrics_target_alignment(k, data->y);
        out->curve[RL_CURVE_kernel_eff_rank_curve][r] = (float)er;
    }
    rl_metrics_kernel_destroy(&k);
    return rc;
}

/*
** Full-batch GD; records the loss every train.curve_every steps (and the kernel
** curves every probe.kernel_every). *bad is the step whose loss was not finite, or -1.
*/
static rl_code train(const rl_params *p, rl_linear2 *net, const rl_linear2_data *data,
                     const rl_kernel *k0, double *grad, double *scratch, rl_result *out, long *bad,
                     rl_status *st)
{
    long steps = p->linear.steps, every = p->train.curve_every, kevery = p->probe.kernel_every;
    out->n_curve = 0;
    for (long s = 0;; s++) {
        double loss = rl_linear2_loss(net, data, s < steps ? grad : NULL, scratch);
        if (s == 0) out->measure[RL_MEASURE_initial_loss] = loss;
        if (!isfinite(loss)) {
            *bad = s;
            return RL_OK;
        }
        if (s % every == 0 && out->n_curve < RL_CURVE_MAX) {
            out->curve[RL_CURVE_loss_curve][out->n_curve++] = (float)loss;
            if (kevery > 0 && s % kevery == 0)
                RL_TRY(record_kernel(net, data, k0, out, out->n_curve - 1, st));
        }
        if (s == steps) {
            out->measure[RL_MEASURE_final_loss] = loss;
            *bad = -1;
            return RL_OK;
        }
        for (size_t i = 0; i < net->n_params; i++)
            net->theta[i] -= p->linear.lr * grad[i];
    }
}

/* Eq. 4, 5, 6 between the initial and final networks. */
static rl_code measure(const rl_params *p, const rl_linear2 *net0, const rl_linear2 *net,
                       const rl_linear2_data *data, const rl_kernel *k0, const rl_rep *r0,
                       rl_result *out, rl_status *st)
{
    size_t n1 = (size_t)net->n * net->d;
    double dw1 = 0.0, dall = 0.0;
    for (size_t i = 0; i < net->n_params; i++) {
        double dt = net->theta[i] - net0->theta[i];
        dall += dt * dt;
        if (i < n1) dw1 += dt * dt;
    }
    out->measure[RL_MEASURE_weight_change] = sqrt(dw1); /* Eq. 4 on W1 */
    out->measure[RL_MEASURE_weight_change_all] = sqrt(dall);
    out->measure[RL_MEASURE_weight_change_rel] = sqrt(dw1) / norm2(net0->w1, n1);
    rl_kernel *kf = NULL;
    rl_rep *rf = NULL;
    double ra = NAN, er = NAN;
    rl_code rc = kernel_of(net, data, &kf, st);
    if (rc == RL_OK) rc = rep_of(net, data, &rf, st);
    if (rc == RL_OK) rc = rl_metrics_kernel_eff_rank(kf, &er, st);
    if (rc == RL_OK) ra = rl_metrics_rep_alignment(r0, rf, p->probe.rep_centred);
    if (rc == RL_OK) {
        out->measure[RL_MEASURE_rep_alignment] = ra;
        out->measure[RL_MEASURE_kernel_alignment] = rl_metrics_kernel_alignment(k0, kf);
        out->measure[RL_MEASURE_kernel_task_alignment] = rl_metrics_target_alignment(kf, data->y);
        out->measure[RL_MEASURE_kernel_eff_rank] = er;
    }
    rl_metrics_kernel_destroy(&kf);
    rl_metrics_rep_destroy(&rf);
    return rc;
}

rl_code rl_linear2_run(const rl_params *p, uint64_t sweep_seed, rl_result *out, rl_status *st)
{
    double t_start = rl_now();
    rl_linear2_data *data = NULL;
    rl_linear2 *net = NULL, *net0 = NULL;
    rl_kernel *k0 = NULL;
    rl_rep *r0 = NULL;
    double *work = NULL, er = NAN;
    rl_code rc;
    if ((rc = rl_linear2_data_create(p, sweep_seed, &data, st))) goto done;
    int d = data->d, n = (int)p->model.hidden;
    if ((rc = rl_linear2_create(d, n, &net, st))) goto done;
    if ((rc = rl_linear2_create(d, n, &net0, st))) goto done;
    if ((rc = rl_linear2_init(p, sweep_seed, data, net, st))) goto done;
    memcpy(net0->theta, net->theta, net->n_params * sizeof *net->theta);
    work = rl_alloc(net->n_params + (size_t)data->m + 2 * (size_t)d, sizeof *work, st);
    if (!work) {
        rc = RL_ENOMEM;
        goto done;
    }
    if ((rc = kernel_of(net0, data, &k0, st)) || (rc = rep_of(net0, data, &r0, st)) ||
        (rc = eff_rank_sv(net0, &er, st)))
        goto done;
    out->measure[RL_MEASURE_eff_rank_sv] = er;
    out->measure[RL_MEASURE_kernel_task_alignment_init] = rl_metrics_target_alignment(k0, data->y);
    if ((rc = rl_metrics_kernel_eff_rank(k0, &out->measure[RL_MEASURE_kernel_eff_rank_init], st)))
        goto done;
    long bad;
    if ((rc = train(p, net, data, k0, work, work + net->n_params, out, &bad, st))) goto done;
    out->measure[RL_MEASURE_diverged_step] = (double)bad;
    out->status = bad >= 0 ? RL_ITEM_DIVERGED : RL_ITEM_DONE;
    if (bad < 0) rc = measure(p, net0, net, data, k0, r0, out, st);
done:
    out->wall_seconds = rl_now() - t_start;
    rl_free(work);
    rl_metrics_kernel_destroy(&k0);
    rl_metrics_rep_destroy(&r0);
    rl_linear2_destroy(&net);
    rl_linear2_destroy(&net0);
    rl_linear2_data_destroy(&data);
    return rc;
}
