/*
** rep.c: Eq. 5, representation alignment, from the probe trials' hidden states
** at the decision step (module: metrics).
**     RA = Tr(R_f R_0) / (||R_f||_F ||R_0||_F),   R = H^T H,   H: P trials x N units.
** Why two routes: R is N x N, but Tr(R_f R_0) = ||H_f H_0^T||_F^2 and
** ||R||_F = ||H H^T||_F (same non-zero spectrum), so with P < N trials the P x P
** products are cheaper; otherwise the N x N ones. Both run in double via dgemm.
** Uncentred as in the paper; `centred` subtracts each unit's mean over trials.
*/
#include "richlazy/metrics.h"

#include <cblas.h>
#include <math.h>
#include <string.h>

struct rl_rep {
    int rows, cols; /* P trials, N units */
    double *h;      /* rows x cols, row-major */
};

/* ---- construction ---- */

static rl_code rep_alloc(int rows, int cols, rl_rep **out, rl_status *st)
{
    *out = NULL;
    RL_CHECK(rows >= 1 && cols >= 1, st, RL_EINPUT,
             "representation: %d x %d hidden states; valid: at least one trial and one unit", rows,
             cols);
    rl_rep *r = rl_alloc(1, sizeof *r, st);
    if (!r) return RL_ENOMEM;
    r->rows = rows;
    r->cols = cols;
    r->h = rl_alloc((size_t)rows * (size_t)cols, sizeof *r->h, st);
    if (!r->h) {
        rl_metrics_rep_destroy(&r);
        return RL_ENOMEM;
    }
    *out = r;
    return RL_OK;
}

rl_code rl_metrics_rep_from_rows(const double *h, int rows, int cols, rl_rep **out, rl_status *st)
{
    RL_TRY(rep_alloc(rows, cols, out, st));
    memcpy((*out)->h, h, (size_t)rows * (size_t)cols * sizeof *h);
    return RL_OK;
}

rl_code rl_metrics_rep_create(const rl_rnn *net, const rl_batch *probe, int step, rl_rep **out,
                              rl_status *st)
{
    *out = NULL;
    RL_CHECK(probe->n_in == net->n_in, st, RL_EINPUT,
             "representation: the probe set has %d input channels but the network %d; valid: "
             "a probe set of the network's task",
             probe->n_in, net->n_in);
    RL_CHECK(step >= 0 && step < probe->steps, st, RL_EINPUT,
             "representation: step %d is outside the trial; valid: 0 <= step < %d", step,
             probe->steps);
    rl_rnn_work *w = NULL;
    RL_TRY(rl_rnn_work_create(net, probe->steps, probe->batch, &w, st));
    rl_code rc = rep_alloc(probe->batch, net->n_hidden, out, st);
    if (rc == RL_OK) {
        rl_rnn_forward(net, probe->x, w);
        const float *r = rl_rnn_hidden(w, step);
        size_t n = (size_t)probe->batch * (size_t)net->n_hidden;
        for (size_t i = 0; i < n; i++)
            (*out)->h[i] = r[i];
    }
    rl_rnn_work_destroy(&w);
    return rc;
}

void rl_metrics_rep_destroy(rl_rep **r)
{
    if (!r || !*r) return;
    rl_free((*r)->h);
    rl_free(*r);
    *r = NULL;
}

int rl_metrics_rep_rows(const rl_rep *r)
{
    return r->rows;
}

int rl_metrics_rep_cols(const rl_rep *r)
{
    return r->cols;
}

const double *rl_metrics_rep_data(const rl_rep *r)
{
    return r->h;
}

/* ---- Eq. 5 ---- */

static double dot(const double *a, const double *b, size_t n)
{
    double s = 0.0;
    for (size_t i = 0; i < n; i++)
        s += a[i] * b[i];
    return s;
}

/* Subtracts each column's mean (the unit's mean over trials). */
static void centre_columns(double *h, int rows, int cols)
{
    for (int j = 0; j < cols; j++) {
        double mean = 0.0;
        for (int i = 0; i < rows; i++)
            mean += h[(size_t)i * cols + j];
        mean /= rows;
        for (int i = 0; i < rows; i++)
            h[(size_t)i * cols + j] -= mean;
    }
}

/* Eq. 5 on P x N states h0, hf; scratch holds 3 * min(P,N)^2 doubles. */
static double alignment(const double *h0, const double *hf, int p, int n, double *scratch)
{
    int q = p < n ? p : n;
    size_t qq = (size_t)q * (size_t)q;
    double *c = scratch, *gf = scratch + qq, *g0 = scratch + 2 * qq;
    double tr;
    if (p < n) { /* trial space: C = H_f H_0^T, G = H H^T; Tr(R_f R_0) = ||C||^2 */
        cblas_dgemm(CblasRowMajor, CblasNoTrans, CblasTrans, p, p, n, 1.0, hf, n, h0, n, 0.0, c, p);
        cblas_dgemm(CblasRowMajor, CblasNoTrans, CblasTrans, p, p, n, 1.0, hf, n, hf, n, 0.0, gf,
                    p);
        cblas_dgemm(CblasRowMajor, CblasNoTrans, CblasTrans, p, p, n, 1.0, h0, n, h0, n, 0.0, g0,
                    p);
        tr = dot(c, c, qq);
    } else { /* unit space: R = H^T H directly; Tr(R_f R_0) = sum R_f o R_0 (R symmetric) */
        cblas_dgemm(CblasRowMajor, CblasTrans, CblasNoTrans, n, n, p, 1.0, hf, n, hf, n, 0.0, gf,
                    n);
        cblas_dgemm(CblasRowMajor, CblasTrans, CblasNoTrans, n, n, p, 1.0, h0, n, h0, n, 0.0, g0,
                    n);
        tr = dot(gf, g0, qq);
    }
    double nf = sqrt(dot(gf, gf, qq)), n0 = sqrt(dot(g0, g0, qq));
    if (nf == 0.0 || n0 == 0.0) return NAN;
    return tr / (nf * n0);
}

rl_code rl_metrics_rep_alignment(const rl_rep *r0, const rl_rep *rf, bool centred, double *out,
                                 rl_status *st)
{
    *out = NAN;
    RL_CHECK(r0->rows == rf->rows && r0->cols == rf->cols, st, RL_EINPUT,
             "representation alignment: %d x %d vs %d x %d hidden states; valid: the same probe "
             "trials and units before and after training",
             r0->rows, r0->cols, rf->rows, rf->cols);
    int p = r0->rows, n = r0->cols, q = p < n ? p : n;
    size_t ph = (size_t)p * (size_t)n;
    double *scratch =
        rl_alloc(3 * (size_t)q * (size_t)q + (centred ? 2 * ph : 0), sizeof(double), st);
    if (!scratch) return RL_ENOMEM;
    const double *h0 = r0->h, *hf = rf->h;
    if (centred) {
        double *c0 = scratch + 3 * (size_t)q * (size_t)q, *cf = c0 + ph;
        memcpy(c0, r0->h, ph * sizeof *c0);
        memcpy(cf, rf->h, ph * sizeof *cf);
        centre_columns(c0, p, n);
        centre_columns(cf, p, n);
        h0 = c0;
        hf = cf;
    }
    *out = alignment(h0, hf, p, n, scratch);
    rl_free(scratch);
    return RL_OK;
}
