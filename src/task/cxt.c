/*
** cxt.c: CXT, NeuroGym v0.0.2 ContextDecisionMaking with an explicit context cue
** (module: task; tasks-neurogym-v002.md "CXT").
** Inputs: 0 fixation, 1 stim1_mod1, 2 stim2_mod1, 3 stim1_mod2, 4 stim2_mod2,
** 5 context1, 6 context2. Outputs: fixate, choice 1, choice 2.
** Periods: fixation (paper 0 ms), stimulus (200), delay (500), decision (100)
** -> 8 steps at dt = 100 ms: stimulus t = 0..1, delay 2..6, decision 7.
** Per trial, independent and uniform: gt, other in {1, 2}, context in {0, 1}, a
** coherence per modality from task.coherences ({5, 15, 50}). Context 0: modality 1
** carries gt and modality 2 `other`; context 1 the reverse. Signed coherence
** s_k = +coh_k if modality k's choice is 1, else -coh_k; in the stimulus period
** stim1_modk = (1 + s_k/100)/2, stim2_modk = (1 - s_k/100)/2, and all 7 channels get
** noise. The active context channel is 1 for the whole trial, decision included.
*/
#include "task_impl.h"

enum { FIXATION, STIMULUS, DELAY, DECISION, N_PERIODS };
enum { N_IN = 7, CONTEXT1 = 5 };

static rl_code resolve(const rl_params *p, rl_ng *ng, rl_status *st)
{
    const rl_ng_period per[N_PERIODS] = {
        [FIXATION] = {"fixation", p->task.fixation, 0},
        [STIMULUS] = {"stimulus", p->task.stimulus, 200},
        [DELAY] = {"delay", p->task.delay, 500},
        [DECISION] = {"decision", p->task.decision, 100},
    };
    static const double coh[] = {5, 15, 50};
    return rl_ng_resolve(p, per, N_PERIODS, coh, 3, N_IN, ng, st);
}

static void trial(const rl_ng *ng, rl_rng *r, rl_batch *b, int row)
{
    int gt = 1 + (int)rl_rng_below(r, 2);
    int other = 1 + (int)rl_rng_below(r, 2);
    int context = (int)rl_rng_below(r, 2);
    double coh[2];
    coh[0] = rl_ng_coherence(ng, r);
    coh[1] = rl_ng_coherence(ng, r);
    int choice[2] = {context == 0 ? gt : other, context == 0 ? other : gt};

    rl_ng_common(ng, b, row, gt);
    rl_ng_set(b, row, (rl_ng_span){0, ng->steps}, CONTEXT1 + context, 1.0f);
    for (int k = 0; k < 2; k++) {
        double s = choice[k] == 1 ? coh[k] : -coh[k];
        rl_ng_set(b, row, ng->span[STIMULUS], 1 + 2 * k, (float)((1 + s / 100) / 2));
        rl_ng_set(b, row, ng->span[STIMULUS], 2 + 2 * k, (float)((1 - s / 100) / 2));
    }
    rl_ng_noise(ng, r, b, row, ng->span[STIMULUS], 0, N_IN);
}

static rl_code fill(const rl_task *t, rl_task_draw *d, rl_batch *b, rl_status *st)
{
    (void)st;
    for (int row = 0; row < b->batch; row++)
        trial(t->state, &d->rng, b, row);
    return RL_OK;
}

RL_NG_KIND(cxt, "cxt", resolve, fill);
