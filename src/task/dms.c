/*
** dms.c: DMS, NeuroGym v0.0.2 DelayMatchSample (module: task).
** Why: the paper's working-memory task (tasks-neurogym-v002.md "DMS").
** Inputs: 0 fixation, 1 stim1, 2 stim2. Outputs: fixate, match, non-match.
** Periods: fixation (paper 0 ms), sample (100), delay (500), test (100),
** decision (100) -> 8 steps at dt = 100 ms: sample t = 0, delay 1..5, test 6,
** decision 7. Per trial: gt uniform in {1 match, 2 non-match}, the sample one of
** [1,0] / [0,1] uniformly; the test vector is the sample if gt = 1, else the other.
** The stimulus channels carry them, with noise, in those two periods only.
*/
#include "task_impl.h"

enum { FIXATION, SAMPLE, DELAY, TEST, DECISION, N_PERIODS };
enum { N_IN = 3 };

static rl_code resolve(const rl_params *p, rl_ng *ng, rl_status *st)
{
    const rl_ng_period per[N_PERIODS] = {
        [FIXATION] = {"fixation", p->task.fixation, 0},
        [SAMPLE] = {"sample", p->task.sample, 100},
        [DELAY] = {"delay", p->task.delay, 500},
        [TEST] = {"test", p->task.test, 100},
        [DECISION] = {"decision", p->task.decision, 100},
    };
    return rl_ng_resolve(p, per, N_PERIODS, NULL, 0, N_IN, ng, st);
}

static void trial(const rl_ng *ng, rl_rng *r, rl_batch *b, int row)
{
    int gt = 1 + (int)rl_rng_below(r, 2);
    int sample = (int)rl_rng_below(r, 2); /* which stimulus channel (0: stim1) is on */
    int test = gt == 1 ? sample : 1 - sample;
    rl_ng_common(ng, b, row, gt);
    rl_ng_set(b, row, ng->span[SAMPLE], 1 + sample, 1.0f);
    rl_ng_set(b, row, ng->span[TEST], 1 + test, 1.0f);
    rl_ng_noise(ng, r, b, row, ng->span[SAMPLE], 1, 3);
    rl_ng_noise(ng, r, b, row, ng->span[TEST], 1, 3);
}

static rl_code fill(const rl_task *t, rl_task_draw *d, rl_batch *b, rl_status *st)
{
    (void)st;
    for (int row = 0; row < b->batch; row++)
        trial(t->state, &d->rng, b, row);
    return RL_OK;
}

RL_NG_KIND(dms, "dms", resolve, fill);
