/*
** loss.c: the training losses — softmax cross-entropy and mean squared error —
** with their gradient dL/dy for BPTT, and the accuracy count (module: model).
** Why: the paper trains with PyTorch's CrossEntropyLoss (mean reduction); the
** pattern task uses MSELoss. Both are means over the (t, b) the task's mask
** selects, so one masked mean serves the NeuroGym tasks (every step) and sMNIST
** (last step only). Sums run in double: a batch has up to T*B*n_out terms and the
** loss curve is compared across runs. Softmax is shifted by the row maximum so
** exp never overflows.
*/
#include "richlazy/model.h"

#include <assert.h>
#include <math.h>
#include <string.h>

/* Index of the first largest output (torch.argmax's tie rule). */
static int argmax(const float *y, int n)
{
    int best = 0;
    for (int o = 1; o < n; o++)
        if (y[o] > y[best]) best = o;
    return best;
}

/*
** -log softmax(y)[label] for one row, in double. If d is not NULL it receives
** scale * (softmax(y) - onehot(label)), the row's share of dL/dy. The
** exponentials of up to EXP_KEEP outputs are kept for d (exp dominates the
** loss's cost); wider rows recompute the rest.
*/
static double row_ce(const float *y, int n, int label, double scale, float *d)
{
    enum { EXP_KEEP = 32 };
    double e[EXP_KEEP], mx = y[argmax(y, n)], z = 0.0;
    for (int o = 0; o < n; o++) {
        double v = exp((double)y[o] - mx);
        if (o < EXP_KEEP) e[o] = v;
        z += v;
    }
    if (d)
        for (int o = 0; o < n; o++) {
            double v = o < EXP_KEEP ? e[o] : exp((double)y[o] - mx);
            d[o] = (float)(scale * (v / z - (o == label)));
        }
    return log(z) - ((double)y[label] - mx);
}

/* Sum of mask weights and number of counted (t, b). */
static double mask_total(const rl_batch *b, long *counted)
{
    size_t rows = (size_t)b->steps * (size_t)b->batch;
    double total = 0.0;
    long count = 0;
    for (size_t i = 0; i < rows; i++) {
        if (b->mask[i] == 0.0f) continue;
        total += b->mask[i];
        count++;
    }
    *counted = count;
    return total;
}

/*
** CE: L = sum_tb m_tb (-log p_tb[label]) / sum_tb m_tb, so
** dL/dy_tb = m_tb (p_tb - onehot(label)) / sum m.
*/
static double eval_ce(const rl_batch *b, const float *y, float *dy, double total, long *correct)
{
    size_t rows = (size_t)b->steps * (size_t)b->batch;
    int n = b->n_out;
    double sum = 0.0;
    long hits = 0;
    for (size_t i = 0; i < rows; i++) {
        const float *yi = y + i * (size_t)n;
        float *di = dy ? dy + i * (size_t)n : NULL;
        double m = b->mask[i];
        if (m == 0.0) {
            if (di) memset(di, 0, (size_t)n * sizeof *di);
            continue;
        }
        int label = b->label[i];
        assert(label >= 0 && label < n);
        sum += m * row_ce(yi, n, label, m / total, di);
        hits += argmax(yi, n) == label;
    }
    *correct = hits;
    return sum / total;
}

/* MSE: L = sum m_tb |y_tb - target_tb|^2 / (n_out sum m), dL/dy = 2 m (y - target) / (n_out sum m).
 */
static double eval_mse(const rl_batch *b, const float *y, float *dy, double total)
{
    size_t rows = (size_t)b->steps * (size_t)b->batch;
    int n = b->n_out;
    double sum = 0.0, denom = total * n;
    for (size_t i = 0; i < rows; i++) {
        const float *yi = y + i * (size_t)n, *ti = b->target + i * (size_t)n;
        float *di = dy ? dy + i * (size_t)n : NULL;
        double m = b->mask[i];
        for (int o = 0; o < n; o++) {
            double e = (double)yi[o] - (double)ti[o];
            if (m != 0.0) sum += m * e * e;
            if (di) di[o] = m != 0.0 ? (float)(2.0 * m * e / denom) : 0.0f;
        }
    }
    return sum / denom;
}

double rl_loss_eval(rl_loss_kind kind, const rl_batch *b, const float *y, float *dy, long *correct,
                    long *counted)
{
    assert(b->n_out >= 1 && b->mask);
    long count = 0, hits = 0;
    double total = mask_total(b, &count), loss = 0.0;
    if (counted) *counted = count;
    if (count == 0) {
        if (dy) memset(dy, 0, (size_t)b->steps * b->batch * b->n_out * sizeof *dy);
        if (correct) *correct = 0;
        return 0.0;
    }
    if (kind == RL_LOSS_CE) {
        assert(b->label);
        loss = eval_ce(b, y, dy, total, &hits);
    } else {
        assert(b->target);
        loss = eval_mse(b, y, dy, total);
    }
    if (correct) *correct = hits;
    return loss;
}
