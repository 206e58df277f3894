/*
** twoaf.c: 2AF, NeuroGym v0.0.2 PerceptualDecisionMaking (module: task).
** Why: the paper's two-alternative forced choice (tasks-neurogym-v002.md "2AF").
** Inputs: 0 fixation, 1 stim1, 2 stim2. Outputs: fixate, choice 1, choice 2.
** Periods: fixation (paper 0 ms), stimulus (700), delay (0; NeuroGym's default),
** decision (100) -> 8 steps at dt = 100 ms: stimulus t = 0..6, decision t = 7.
** Per trial: gt uniform in {0, 1}, coherence c uniform over task.coherences.
** Stimulus period: stim1 = 0.5 + c/200 (gt = 0) or 0.5 - c/200 (gt = 1), stim2 the
** mirror image, noise on these two channels only. Label gt + 1 in decision.
*/
#include "task_impl.h"

enum { FIXATION, STIMULUS, DELAY, DECISION, N_PERIODS };
enum { N_IN = 3 };

static rl_code resolve(const rl_params *p, rl_ng *ng, rl_status *st)
{
    const rl_ng_period per[N_PERIODS] = {
        [FIXATION] = {"fixation", p->task.fixation, 0},
        [STIMULUS] = {"stimulus", p->task.stimulus, 700},
        [DELAY] = {"delay", p->task.delay, 0},
        [DECISION] = {"decision", p->task.decision, 100},
    };
    static const double coh[] = {0, 6.4, 12.8, 25.6, 51.2};
    return rl_ng_resolve(p, per, N_PERIODS, coh, 5, N_IN, ng, st);
}

static void trial(const rl_ng *ng, rl_rng *r, rl_batch *b, int row)
{
    int gt = (int)rl_rng_below(r, 2);
    double c = rl_ng_coherence(ng, r);
    double toward = 0.5 + c / 200, away = 0.5 - c / 200;
    rl_ng_common(ng, b, row, gt + 1);
    rl_ng_set(b, row, ng->span[STIMULUS], 1, (float)(gt == 0 ? toward : away));
    rl_ng_set(b, row, ng->span[STIMULUS], 2, (float)(gt == 0 ? away : toward));
    rl_ng_noise(ng, r, b, row, ng->span[STIMULUS], 1, 3);
}

static rl_code fill(const rl_task *t, rl_task_draw *d, rl_batch *b, rl_status *st)
{
    (void)st;
    for (int row = 0; row < b->batch; row++)
        trial(t->state, &d->rng, b, row);
    return RL_OK;
}

RL_NG_KIND(2af, "2af", resolve, fill);
