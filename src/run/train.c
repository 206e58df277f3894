/*
** train.c: the runner of model.kind rnn — one item end to end: task, initial
** weights, measures before, training, measures after (module: run; its line in
** the runner table, runner.c). The sweep engine and `richlazy train` reach it
** through rl_train_item; nothing here knows about MPI or files except the
** optional dump and the item's checkpoint.
**
** Shape of one training (paper §2, reference script):
**   W_h(0) from init (structure, rank, gain), W_x and w uniform +-1/sqrt(fan_in);
**   measures at t = 0 on the fixed probe set (hidden states for Eq. 5, kernel for Eq. 6);
**   `train.iterations` mini-batches, each a fresh batch from the stream keyed by
**   the iteration (so a batch never depends on history: resumable, paired);
**   divergence (non-finite loss or weights) ends the item as an outcome;
**   measures at the end; the loss curve holds the mean training loss of each
**   window of `train.curve_every` iterations, and every `probe.kernel_every`
**   iterations the kernel curves record K(t) against K(0) and the task
**   (appendix Figs. 14, 15).
*/
#include "runner.h"

#include <math.h>
#include <stdio.h>
#include <string.h>

#include "richlazy/init.h"
#include "richlazy/metrics.h"
#include "richlazy/model.h"
#include "checkpoint.h"
#include "dump.h"

/* Everything one training owns; released by session_destroy in any state. */
typedef struct session {
    const rl_params *p;
    uint64_t sweep_seed;
    rl_task *task;
    rl_task_shape shape;
    rl_rnn *net;
    float *theta0;  /* the initial parameters, for Eq. 4 */
    double *w_h0;   /* W_h(0) in double (spectrum, dump) */
    rl_batch probe; /* the fixed probe set */
    rl_batch batch; /* the current training batch */
    rl_rnn_work *probe_work, *train_work;
    rl_opt *opt;
    float *grad;
    rl_rep *rep0;
    rl_kernel *kernel0;
    int8_t *signs;        /* Dale signs per column when init.dale_keep, else NULL */
    double curve_seconds; /* spent on kernel curves inside the training loop */
} session;

static void session_destroy(session *s)
{
    rl_free(s->signs);
    rl_metrics_kernel_destroy(&s->kernel0);
    rl_metrics_rep_destroy(&s->rep0);
    rl_free(s->grad);
    rl_opt_destroy(&s->opt);
    rl_rnn_work_destroy(&s->train_work);
    rl_rnn_work_destroy(&s->probe_work);
    rl_batch_destroy(&s->batch);
    rl_batch_destroy(&s->probe);
    rl_free(s->w_h0);
    rl_free(s->theta0);
    rl_rnn_destroy(&s->net);
    rl_task_destroy(&s->task);
}

/* The stop criterion needs a probe-set loss and, for accuracy, class labels. */
static rl_code check_criterion(const rl_params *p, const rl_task_shape *shape, rl_status *st)
{
    RL_CHECK_PARAM(
        p->train.stop_accuracy == 0 || shape->loss == RL_LOSS_CE, st,
        "train.stop_accuracy task.name model.kind train.stop_loss",
        "train.stop_accuracy = %g needs a classification task (task.name %s, model.kind %s); "
        "valid: 0 (off), or train.stop_loss instead",
        p->train.stop_accuracy, p->task.name, p->model.kind);
    return RL_OK;
}

rl_code rl_run_rnn_check(const rl_params *p, rl_status *st)
{
    rl_task_shape shape;
    RL_TRY(rl_init_check(p, st));
    RL_TRY(rl_task_shape_of(p, &shape, st));
    RL_TRY(check_criterion(p, &shape, st));
    long records = (p->train.iterations + p->train.curve_every - 1) / p->train.curve_every;
    RL_CHECK_PARAM(
        records <= RL_CURVE_MAX, st, "train.iterations train.curve_every",
        "train.iterations / train.curve_every = %ld loss-curve records; valid: at most %d "
        "(raise train.curve_every to at least %ld)",
        records, RL_CURVE_MAX, (p->train.iterations + RL_CURVE_MAX - 1) / RL_CURVE_MAX);
    return RL_OK;
}

static rl_code build_network(session *s, rl_result *out, rl_status *st)
{
    const rl_params *p = s->p;
    int n = (int)p->model.hidden;
    RL_TRY(rl_rnn_create(s->shape.n_in, n, s->shape.n_out, (float)rl_rnn_rho(p), &s->net, st));
    s->w_h0 = rl_alloc((size_t)n * n, sizeof *s->w_h0, st);
    if (!s->w_h0) return st->code;
    RL_TRY(rl_init_recurrent(p, s->sweep_seed, s->w_h0, st));
    for (size_t i = 0; i < (size_t)n * n; i++)
        s->net->w_h[i] = (float)s->w_h0[i];
    rl_init_input(p, s->sweep_seed, s->shape.n_in, s->net->w_x);
    rl_init_output(p, s->sweep_seed, s->shape.n_out, s->net->w_out);

    rl_spectrum spec;
    RL_TRY(rl_init_spectrum(s->w_h0, n, &spec, st));
    out->measure[RL_MEASURE_eff_rank_eig] = spec.eff_rank_eig;
    out->measure[RL_MEASURE_eff_rank_sv] = spec.eff_rank_sv;
    out->measure[RL_MEASURE_spectral_radius] = spec.radius;

    if (strcmp(p->init.kind, "dale") == 0 && p->init.dale_keep) {
        if (!(s->signs = rl_alloc((size_t)n, sizeof *s->signs, st))) return st->code;
        RL_TRY(rl_init_dale_signs(p, s->sweep_seed, s->signs, st));
    }
    s->theta0 = rl_alloc(s->net->n_params, sizeof(float), st);
    if (!s->theta0) return st->code;
    memcpy(s->theta0, s->net->theta, s->net->n_params * sizeof(float));
    return RL_OK;
}

/* Fraction of probe trials whose argmax output at the decision step is the label. */
static double decision_accuracy(const rl_batch *b, const float *y, int step)
{
    if (!b->label) return NAN;
    long correct = 0;
    for (int j = 0; j < b->batch; j++) {
        const float *yj = y + ((size_t)step * b->batch + j) * b->n_out;
        int best = 0;
        for (int o = 1; o < b->n_out; o++)
            if (yj[o] > yj[best]) best = o;
        correct += best == b->label[(size_t)step * b->batch + j];
    }
    return (double)correct / b->batch;
}

/* Probe-set loss (and accuracy) of the current network. */
static double probe_loss(session *s, double *accuracy)
{
    long correct, counted;
    rl_rnn_forward(s->net, s->probe.x, s->probe_work);
    const float *y = rl_rnn_outputs(s->probe_work);
    double loss = rl_loss_eval(s->shape.loss, &s->probe, y, rl_rnn_output_grad(s->probe_work),
                               &correct, &counted);
    if (accuracy) *accuracy = decision_accuracy(&s->probe, y, s->shape.decision_step);
    return loss;
}

/* Eq. 6's J: d outputs / d W_h (the reference script, default) or / d theta. */
static rl_kernel_wrt kernel_wrt(const rl_params *p)
{
    return strcmp(p->probe.kernel_wrt, "all") == 0 ? RL_KERNEL_WRT_ALL : RL_KERNEL_WRT_WH;
}

/* sMNIST's kernel uses the last step only (its loss does); cognitive tasks every step. */
static bool kernel_last_only(const rl_params *p)
{
    return strcmp(p->task.name, "smnist") == 0;
}

/* The current network's tangent kernel on the probe set (Eq. 6). */
static rl_code current_kernel(const session *s, rl_kernel **k, rl_status *st)
{
    const rl_params *p = s->p;
    return rl_metrics_kernel_create(s->net, &s->probe, (int)p->probe.kernel_trials, kernel_wrt(p),
                                    kernel_last_only(p), k, st);
}

/* What one kernel says: KA to K(0) (Eq. 6), alignment with the task, effective rank. */
typedef struct kernel_summary {
    double ka, task, eff_rank;
} kernel_summary;

static rl_code summarise(const session *s, const rl_kernel *k, kernel_summary *out, rl_status *st)
{
    out->ka = rl_metrics_kernel_alignment(s->kernel0, k);
    out->task = rl_metrics_kernel_task_alignment(k, &s->probe);
    return rl_metrics_kernel_eff_rank(k, &out->eff_rank, st);
}

/* Eq. 5's H: decision-step states of the probe trials, or every step's (probe.rep_samples). */
static rl_code current_rep(const session *s, rl_rep **out, rl_status *st)
{
    bool steps = strcmp(s->p->probe.rep_samples, "steps") == 0;
    return rl_metrics_rep_create(s->net, &s->probe,
                                 steps ? RL_REP_ALL_STEPS : s->shape.decision_step, out, st);
}

static rl_code measure_initial(session *s, rl_result *out, rl_status *st)
{
    out->measure[RL_MEASURE_initial_loss] = probe_loss(s, NULL);
    RL_TRY(current_rep(s, &s->rep0, st));
    RL_TRY(current_kernel(s, &s->kernel0, st));
    kernel_summary k0;
    RL_TRY(summarise(s, s->kernel0, &k0, st));
    out->measure[RL_MEASURE_kernel_task_alignment_init] = k0.task;
    out->measure[RL_MEASURE_kernel_eff_rank_init] = k0.eff_rank;
    return RL_OK;
}

/* Appendix Figs. 14, 15: the kernel now, against K(0) and the task, into record r. */
static rl_code record_kernel(session *s, rl_result *out, int r, rl_status *st)
{
    double t0 = rl_now();
    rl_kernel *k = NULL;
    kernel_summary ks;
    rl_code rc = current_kernel(s, &k, st);
    if (rc == RL_OK) rc = summarise(s, k, &ks, st);
    if (rc == RL_OK) {
        out->curve[RL_CURVE_kernel_alignment_curve][r] = (float)ks.ka;
        out->curve[RL_CURVE_kernel_task_alignment_curve][r] = (float)ks.task;
        out->curve[RL_CURVE_kernel_eff_rank_curve][r] = (float)ks.eff_rank;
    }
    rl_metrics_kernel_destroy(&k);
    s->curve_seconds += rl_now() - t0;
    return rc;
}

static rl_code measure_final(session *s, rl_result *out, rl_status *st)
{
    rl_rnn *net = s->net;
    size_t nh = (size_t)net->n_hidden * net->n_hidden;
    double acc;
    out->measure[RL_MEASURE_final_loss] = probe_loss(s, &acc);
    out->measure[RL_MEASURE_final_accuracy] = acc;
    /* Eq. 4 */
    double dw = rl_metrics_distance(net->w_h, s->theta0, nh);
    out->measure[RL_MEASURE_weight_change] = dw;
    out->measure[RL_MEASURE_weight_change_rel] = dw / rl_metrics_norm(s->theta0, nh);
    out->measure[RL_MEASURE_weight_change_all] =
        rl_metrics_distance(net->theta, s->theta0, net->n_params);

    rl_rep *repf = NULL;
    rl_kernel *kf = NULL;
    rl_code rc = current_rep(s, &repf, st);
    if (rc == RL_OK) /* Eq. 5 */
        out->measure[RL_MEASURE_rep_alignment] =
            rl_metrics_rep_alignment(s->rep0, repf, s->p->probe.rep_centred);
    kernel_summary ks;
    if (rc == RL_OK) rc = current_kernel(s, &kf, st);
    if (rc == RL_OK) rc = summarise(s, kf, &ks, st);
    if (rc == RL_OK) { /* Eq. 6 */
        out->measure[RL_MEASURE_kernel_alignment] = ks.ka;
        out->measure[RL_MEASURE_kernel_task_alignment] = ks.task;
        out->measure[RL_MEASURE_kernel_eff_rank] = ks.eff_rank;
    }
    rl_metrics_kernel_destroy(&kf);
    rl_metrics_rep_destroy(&repf);
    return rc;
}

static bool all_finite(const float *x, size_t n)
{
    float acc = 0.0f;
    for (size_t i = 0; i < n; i++)
        acc += x[i] * 0.0f; /* NaN or Inf anywhere makes acc NaN */
    return acc == 0.0f;
}

/* Ends the item as diverged at iteration it (an outcome, not an error). */
static rl_code diverged(rl_result *out, long it)
{
    out->status = RL_ITEM_DIVERGED;
    out->measure[RL_MEASURE_diverged_step] = (double)it;
    out->measure[RL_MEASURE_iterations_trained] = (double)it;
    return RL_OK;
}

/* Checkpointing policy of one training: where, how often, and when it last wrote. */
typedef struct ckpt_policy {
    const char *path; /* NULL: no checkpoints */
    uint64_t fingerprint;
    double every_s, last;
    long every_iters;
    char init_path[RL_PATH_MAX + 8]; /* the initial measures beside it (initial.c) */
    bool init_saved;                 /* they are on disk (read from there, or written) */
} ckpt_policy;

static bool ckpt_due(const ckpt_policy *c, long it)
{
    if (!c->path) return false;
    if (c->every_iters > 0 && it % c->every_iters == 0) return true;
    return rl_now() - c->last >= c->every_s;
}

/*
** One iteration: a fresh batch keyed by the iteration, forward, loss, BPTT,
** optimiser step (and Dale projection). *loss is the batch loss before the step.
*/
static rl_code train_step(session *s, long it, double *loss, rl_status *st)
{
    rl_rnn *net = s->net;
    RL_TRY(rl_task_fill_train(s->task, s->sweep_seed, it, &s->batch, st));
    rl_rnn_forward(net, s->batch.x, s->train_work);
    *loss = rl_loss_eval(s->shape.loss, &s->batch, rl_rnn_outputs(s->train_work),
                         rl_rnn_output_grad(s->train_work), NULL, NULL);
    if (!isfinite(*loss)) return RL_OK;
    rl_rnn_backward(net, s->batch.x, s->train_work, s->grad);
    rl_opt_step(s->opt, net->theta, s->grad);
    if (s->signs) /* init.dale_keep: projection by clipping onto the signed set */
        rl_init_project_signs(net->w_h, s->signs, net->n_hidden);
    return RL_OK;
}

/* Whether train.stop_loss or train.stop_accuracy is set. */
static bool has_criterion(const rl_params *p)
{
    return p->train.stop_loss > 0 || p->train.stop_accuracy > 0;
}

/*
** The stop criterion, checked when a loss-curve record closes: the probe-set loss
** (and decision accuracy) of the current network, the very quantities final_loss
** and final_accuracy report, so items stopped by it end at matched loss (the paper
** compares trainings that "achieved comparable losses"). The probe set is fixed
** and the check reads only the weights, so it is deterministic and needs no state
** in the checkpoint; a resumed item stops at the same iteration, bitwise.
*/
static bool criterion_met(session *s)
{
    const rl_params *p = s->p;
    double acc;
    double loss = probe_loss(s, &acc);
    bool ok = true;
    if (p->train.stop_loss > 0) ok = ok && loss <= p->train.stop_loss;
    if (p->train.stop_accuracy > 0) ok = ok && acc >= p->train.stop_accuracy;
    return ok;
}

/*
** The training loop from k->iteration on. Sets out->status to done or diverged;
** on a stop request saves a checkpoint (when configured) and returns RL_ESTOPPED.
*/
static rl_code train_loop(session *s, const rl_train_opts *opts, ckpt_policy *cp, rl_ckpt_state *k,
                          rl_status *st)
{
    const rl_params *p = s->p;
    rl_result *out = k->out;
    long first = k->iteration;
    bool reached = false; /* the stop criterion held at a record (it ends the loop at once) */
    for (; k->iteration < p->train.iterations; k->iteration++) {
        long it = k->iteration;
        bool stop = opts && ((opts->stop && *opts->stop) ||
                             (opts->stop_at > 0 && it == opts->stop_at && it != first));
        if ((stop || (it > 0 && ckpt_due(cp, it))) && cp->path) {
            if (!cp->init_saved) { /* once, with the first checkpoint */
                rl_ckpt_initial in = {{out->measure[RL_MEASURE_initial_loss],
                                       out->measure[RL_MEASURE_kernel_task_alignment_init],
                                       out->measure[RL_MEASURE_kernel_eff_rank_init]},
                                      s->rep0,
                                      s->kernel0};
                RL_TRY(rl_ckpt_save_initial(cp->init_path, cp->fingerprint, &in, st));
                cp->init_saved = true;
            }
            RL_TRY(rl_ckpt_save(cp->path, cp->fingerprint, k, st));
            cp->last = rl_now();
        }
        if (stop)
            RL_FAIL(st, RL_ESTOPPED, "stopped at iteration %ld of %ld", it, p->train.iterations);
        double loss;
        RL_TRY(train_step(s, it, &loss, st));
        if (!isfinite(loss)) return diverged(out, it);
        k->window += loss;
        if (++k->in_window == p->train.curve_every || it + 1 == p->train.iterations) {
            out->curve[RL_CURVE_loss_curve][out->n_curve++] =
                (float)(k->window / (double)k->in_window);
            k->window = 0.0;
            k->in_window = 0;
            if (!all_finite(s->net->theta, s->net->n_params)) return diverged(out, it);
            if (p->probe.kernel_every > 0 && (it + 1) % p->probe.kernel_every == 0)
                RL_TRY(record_kernel(s, out, out->n_curve - 1, st));
            if (has_criterion(p) && (reached = criterion_met(s))) {
                k->iteration++;
                break;
            }
        }
    }
    if (has_criterion(p) && p->train.iterations == 0) reached = criterion_met(s);
    out->status = RL_ITEM_DONE;
    out->measure[RL_MEASURE_iterations_trained] = (double)k->iteration;
    if (has_criterion(p)) out->measure[RL_MEASURE_criterion_reached] = reached;
    return RL_OK;
}

/* Sets up checkpointing (nothing is read yet). */
static rl_code ckpt_setup(session *s, const rl_train_opts *opts, ckpt_policy *cp, rl_status *st)
{
    *cp = (ckpt_policy){.path = opts ? opts->checkpoint_path : NULL, .last = rl_now()};
    if (!cp->path) return RL_OK;
    cp->fingerprint = rl_ckpt_fingerprint(s->p, s->sweep_seed);
    cp->every_s = opts->checkpoint_seconds > 0 ? opts->checkpoint_seconds : 60.0;
    cp->every_iters = opts->checkpoint_iters;
    RL_CHECK(rl_ckpt_initial_path(cp->path, cp->init_path, sizeof cp->init_path), st, RL_EINPUT,
             "checkpoint path too long (%s); valid: under %d bytes", cp->path, RL_PATH_MAX);
    return RL_OK;
}

/*
** The initial measures: read back when an earlier run of the item saved them with
** its first checkpoint (they never change), else computed (measure_initial).
*/
static rl_code initial_measures(session *s, rl_result *out, ckpt_policy *cp, rl_status *st)
{
    const rl_params *p = s->p;
    bool found = false;
    if (cp->path) {
        bool steps = strcmp(p->probe.rep_samples, "steps") == 0;
        int rows = (steps ? s->probe.steps : 1) * s->probe.batch;
        int m = rl_metrics_kernel_rows(s->net, s->probe.steps, (int)p->probe.kernel_trials,
                                       kernel_last_only(p));
        rl_ckpt_initial in = {{0, 0, 0}, NULL, NULL};
        RL_TRY(rl_ckpt_load_initial(cp->init_path, cp->fingerprint, rows, s->net->n_hidden, m, &in,
                                    &found, st));
        if (found) {
            s->rep0 = in.rep0;
            s->kernel0 = in.kernel0;
            out->measure[RL_MEASURE_initial_loss] = in.measure[0];
            out->measure[RL_MEASURE_kernel_task_alignment_init] = in.measure[1];
            out->measure[RL_MEASURE_kernel_eff_rank_init] = in.measure[2];
            cp->init_saved = true;
        }
    }
    return found ? RL_OK : measure_initial(s, out, st);
}

/* Continues from an existing checkpoint, if there is one. */
static rl_code ckpt_continue(const ckpt_policy *cp, rl_ckpt_state *k, rl_status *st)
{
    bool found;
    if (!cp->path) return RL_OK;
    return rl_ckpt_load(cp->path, cp->fingerprint, k, &found, st);
}

static rl_code prepare(session *s, rl_result *out, rl_status *st)
{
    const rl_params *p = s->p; /* rl_train_item ran rl_train_check */
    RL_TRY(rl_task_create(p, &s->task, st));
    s->shape = rl_task_get_shape(s->task);
    RL_TRY(build_network(s, out, st));
    RL_TRY(rl_batch_create(&s->shape, (int)p->probe.trials, &s->probe, st));
    RL_TRY(rl_task_fill_probe(s->task, s->sweep_seed, &s->probe, st));
    RL_TRY(rl_batch_create(&s->shape, (int)p->train.batch, &s->batch, st));
    RL_TRY(rl_rnn_work_create(s->net, s->shape.steps, (int)p->probe.trials, &s->probe_work, st));
    RL_TRY(rl_rnn_work_create(s->net, s->shape.steps, (int)p->train.batch, &s->train_work, st));
    RL_TRY(rl_opt_create(p, s->net->n_params, &s->opt, st));
    s->grad = rl_alloc(s->net->n_params, sizeof(float), st);
    return s->grad ? RL_OK : st->code;
}

rl_code rl_run_rnn_item(const rl_params *p, uint64_t sweep_seed, const rl_train_opts *opts,
                        rl_result *out, rl_status *st)
{
    session s = {.p = p, .sweep_seed = sweep_seed};
    out->n_curve = 0;
    ckpt_policy cp;
    rl_code rc = prepare(&s, out, st);
    if (rc == RL_OK) rc = ckpt_setup(&s, opts, &cp, st);
    double t0 = rl_now();
    if (rc == RL_OK) rc = initial_measures(&s, out, &cp, st);
    double t1 = rl_now();
    rl_ckpt_state k = {.out = out, .net = s.net, .opt = s.opt};
    if (rc == RL_OK) rc = ckpt_continue(&cp, &k, st);
    if (rc == RL_OK) rc = train_loop(&s, opts, &cp, &k, st);
    double t2 = rl_now();
    if (rc == RL_OK && out->status == RL_ITEM_DONE) rc = measure_final(&s, out, st);
    double t3 = rl_now();
    out->measure[RL_MEASURE_train_seconds] = t2 - t1 - s.curve_seconds;
    out->measure[RL_MEASURE_measure_seconds] = (t1 - t0) + (t3 - t2) + s.curve_seconds;
    if (rc == RL_OK && opts && opts->dump_path) {
        rl_dump_in dump = {.p = p,
                           .net = s.net,
                           .theta0 = s.theta0,
                           .probe = &s.probe,
                           .result = out,
                           .decision_step = s.shape.decision_step};
        rc = rl_dump_write(opts->dump_path, &dump, st);
    }
    session_destroy(&s);
    return rc;
}
