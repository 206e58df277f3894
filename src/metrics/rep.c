/*
** rep.c: Eq. 5, representation alignment, from the probe trials' hidden states
** at the decision step (module: metrics).
**     RA = Tr(R_f R_0) / (||R_f||_F ||R_0||_F),   R = H H^T,   H: P trials x N units,
** i.e. R is the P x P trial-by-trial similarity of the representation, exactly
** as the authors' reference script (KR = act @ act.T over the batch). The
** paper writes R = H^T H with H as units x trials: the same matrix.
** Why two routes: Tr(R_f R_0) = ||H_0^T H_f||_F^2 and ||R||_F = ||H^T H||_F (same
** non-zero spectrum), so with P <= N the P x P grams are formed block by block;
** otherwise the N x N cross products. Both run in double via dgemm on TILE x TILE
** blocks kept on the stack, so RA allocates nothing and cannot fail.
** Uncentred as in the paper; `centred` subtracts each unit's mean over trials
** (stored at creation) inside the products: (h - mu).(g - mu) = h.g - h.mu - mu.g
** + mu.mu, and (H - 1 mu^T)^T (G - 1 nu^T) = H^T G - P mu nu^T. This loses digits
** only when the means dwarf the spread across trials, far from what relu states do.
*/
#include "richlazy/metrics.h"

#include <cblas.h>
#include <math.h>
#include <string.h>

struct rl_rep {
    int rows, cols; /* P trials, N units */
    double *h;      /* rows x cols, row-major */
    double *mean;   /* cols: each unit's mean over the trials */
};

enum { TILE = 64 }; /* two TILE^2 blocks of doubles: 64 KiB of stack */

/* ---- construction ---- */

static void set_means(rl_rep *r)
{
    for (int i = 0; i < r->rows; i++)
        for (int j = 0; j < r->cols; j++)
            r->mean[j] += r->h[(size_t)i * r->cols + j];
    for (int j = 0; j < r->cols; j++)
        r->mean[j] /= r->rows;
}

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
    r->mean = rl_alloc((size_t)cols, sizeof *r->mean, st);
    if (!r->h || !r->mean) {
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
    set_means(*out);
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
    RL_CHECK(step == RL_REP_ALL_STEPS || (step >= 0 && step < probe->steps), st, RL_EINPUT,
             "representation: step %d is outside the trial; valid: 0 <= step < %d or "
             "RL_REP_ALL_STEPS",
             step, probe->steps);
    int first = step == RL_REP_ALL_STEPS ? 0 : step;
    int last = step == RL_REP_ALL_STEPS ? probe->steps - 1 : step;
    rl_rnn_work *w = NULL;
    RL_TRY(rl_rnn_work_create(net, probe->steps, probe->batch, &w, st));
    rl_code rc = rep_alloc((last - first + 1) * probe->batch, net->n_hidden, out, st);
    if (rc == RL_OK) {
        rl_rnn_forward(net, probe->x, w);
        size_t n = (size_t)probe->batch * (size_t)net->n_hidden; /* one step's block */
        for (int t = first; t <= last; t++) {
            const float *r = rl_rnn_hidden(w, t);
            double *h = (*out)->h + (size_t)(t - first) * n;
            for (size_t i = 0; i < n; i++)
                h[i] = r[i];
        }
        set_means(*out);
    }
    rl_rnn_work_destroy(&w);
    return rc;
}

void rl_metrics_rep_destroy(rl_rep **r)
{
    if (!r || !*r) return;
    rl_free((*r)->h);
    rl_free((*r)->mean);
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

static int min_int(int a, int b)
{
    return a < b ? a : b;
}

/* Block (I, J) of the trial gram R = H H^T (centred: of H minus its unit means) into t. */
static void trial_block(const rl_rep *r, bool centred, int i0, int ni, int j0, int nj, double *t)
{
    int n = r->cols;
    cblas_dgemm(CblasRowMajor, CblasNoTrans, CblasTrans, ni, nj, n, 1.0, r->h + (size_t)i0 * n, n,
                r->h + (size_t)j0 * n, n, 0.0, t, TILE);
    if (!centred) return;
    double mm = dot(r->mean, r->mean, (size_t)n), ri[TILE], rj[TILE];
    for (int i = 0; i < ni; i++)
        ri[i] = dot(r->h + (size_t)(i0 + i) * n, r->mean, (size_t)n);
    for (int j = 0; j < nj; j++)
        rj[j] = dot(r->h + (size_t)(j0 + j) * n, r->mean, (size_t)n);
    for (int i = 0; i < ni; i++)
        for (int j = 0; j < nj; j++)
            t[i * TILE + j] += mm - ri[i] - rj[j];
}

/* ||A^T B||_F^2 over units = Tr(R_a R_b) for trial grams (centred: minus P mu_a nu_b^T). */
static double unit_cross(const rl_rep *a, const rl_rep *b, bool centred)
{
    int p = a->rows, n = a->cols;
    double tile[TILE * TILE], sum = 0.0;
    for (int i0 = 0; i0 < n; i0 += TILE)
        for (int j0 = 0; j0 < n; j0 += TILE) {
            int ni = min_int(TILE, n - i0), nj = min_int(TILE, n - j0);
            cblas_dgemm(CblasRowMajor, CblasTrans, CblasNoTrans, ni, nj, p, 1.0, a->h + i0, n,
                        b->h + j0, n, 0.0, tile, TILE);
            for (int i = 0; i < ni; i++)
                for (int j = 0; j < nj; j++) {
                    double v = tile[i * TILE + j];
                    if (centred) v -= p * a->mean[i0 + i] * b->mean[j0 + j];
                    sum += v * v;
                }
        }
    return sum;
}

double rl_metrics_rep_alignment(const rl_rep *r0, const rl_rep *rf, bool centred)
{
    if (r0->rows != rf->rows || r0->cols != rf->cols) return NAN;
    int p = r0->rows, n = r0->cols;
    double tr = 0.0, ff = 0.0, oo = 0.0;
    if (p <= n) { /* trial space: the P x P grams block by block, Tr = sum R_f o R_0 */
        double bf[TILE * TILE], b0[TILE * TILE];
        for (int i0 = 0; i0 < p; i0 += TILE)
            for (int j0 = 0; j0 < p; j0 += TILE) {
                int ni = min_int(TILE, p - i0), nj = min_int(TILE, p - j0);
                trial_block(rf, centred, i0, ni, j0, nj, bf);
                trial_block(r0, centred, i0, ni, j0, nj, b0);
                for (int i = 0; i < ni; i++)
                    for (int j = 0; j < nj; j++) {
                        double f = bf[i * TILE + j], o = b0[i * TILE + j];
                        tr += f * o;
                        ff += f * f;
                        oo += o * o;
                    }
            }
    } else { /* unit space: Tr(R_f R_0) = ||H_f^T H_0||^2, ||R||^2 = ||H^T H||^2 */
        tr = unit_cross(rf, r0, centred);
        ff = unit_cross(rf, rf, centred);
        oo = unit_cross(r0, r0, centred);
    }
    if (ff == 0.0 || oo == 0.0) return NAN;
    return tr / (sqrt(ff) * sqrt(oo));
}
