/*
** test_items.c: rl_spec_check_items (module: spec) — another module's per-item
** rule, failing, is reported at the YAML position where that item got the
** parameter the failure is about (rl_status.params, not the message's words): an
** axis value, an override, `params`; the first of several that the item set; without
** a position when it is about only defaults or nothing; the first failing item wins;
** codes other than input errors pass through.
*/
#include "richlazy/spec.h"
#include "rltest.h"

#include <string.h>

/* A stand-in for rl_train_check: gains above 2, rates above 0.1 and batch 7 are refused. */
static rl_code check_gain(const rl_params *p, rl_status *st)
{
    RL_CHECK_PARAM(p->init.gain <= 2, st, "init.gain", "init.gain = %g is too large; valid: <= 2",
                   p->init.gain);
    RL_CHECK_PARAM(p->train.lr <= 0.1, st, "train.lr", "train.lr = %g is too large", p->train.lr);
    RL_CHECK_PARAM(p->train.batch != 7, st, "probe.trials", "seven is unlucky (probe.trials = %ld)",
                   p->probe.trials);
    return RL_OK;
}

/* The same rules in other words: no path in the messages, only in the data. */
static rl_code check_gain_reworded(const rl_params *p, rl_status *st)
{
    RL_CHECK_PARAM(p->init.gain <= 2, st, "init.gain", "the gain is too large");
    RL_CHECK_PARAM(p->train.lr <= 0.1, st, "train.lr", "too fast");
    return RL_OK;
}

/* About two parameters, the first one a default: the second one's position is taken. */
static rl_code check_two(const rl_params *p, rl_status *st)
{
    RL_CHECK_PARAM(p->train.lr <= 0.1, st, "model.hidden train.lr",
                   "a rate this high (%g) "
                   "needs a smaller network",
                   p->train.lr);
    return RL_OK;
}

/* A failure from a helper that knows no parameter, tagged by its caller. */
static rl_code check_tagged(const rl_params *p, rl_status *st)
{
    if (p->init.gain > 2) {
        rl_status_fail(st, RL_EINPUT, __FILE__, __LINE__, "a file reader failed");
        return rl_status_about(st, "init.gain");
    }
    return RL_OK;
}

static rl_code check_memory(const rl_params *p, rl_status *st)
{
    (void)p;
    RL_FAIL(st, RL_ENOMEM, "out of memory checking init.gain");
}

/* Items: 0 (2af, 1.5), 1 (2af, 2.5), 2 (dms, 1.5), 3 (dms, 2.5). */
static const char spec[] = "name: it\n"
                           "axes:\n"
                           "  task: [2af, dms]\n"
                           "  init.gain: [1.5, 2.5]\n" /* line 4 */
                           "params:\n"
                           "  train: {batch: 7, lr: 0.01}\n" /* line 6 */
                           "overrides:\n"
                           "  - when: {task: dms}\n"
                           "    set: {train.lr: 0.5}\n"; /* line 9 */

/* spec with `from` replaced by `to` (same length). */
static const char *variant(char *buf, const char *from, const char *to)
{
    strcpy(buf, spec);
    memcpy(strstr(buf, from), to, strlen(to));
    return buf;
}

static void expect(const char *text, rl_spec_check_fn fn, rl_code code, const char *want,
                   const char *what)
{
    rl_status st = RL_STATUS_INIT;
    rl_spec *s = NULL;
    if (rl_spec_load_string(text, strlen(text), "t.yaml", &s, &st) != RL_OK) {
        RL_TEST(0, "%s: the spec loads (%s)", what, st.msg);
        return;
    }
    rl_code rc = rl_spec_check_items(s, fn, &st);
    RL_TEST(rc == code && strstr(st.msg, want) == st.msg, "%s: \"%s\"", what, st.msg);
    rl_spec_destroy(&s);
}

int main(void)
{
    char buf[sizeof spec];
    expect(spec, check_gain, RL_EINPUT, "t.yaml: item 0 (task=2af, gain=1.5), id ",
           "item 0's batch 7 is refused with a message naming only a default (probe.trials): "
           "no position, but the item and its id");
    expect(variant(buf, "batch: 7", "batch: 9"), check_gain, RL_EINPUT,
           "t.yaml:4:20: item 1 (task=2af, gain=2.5), id ",
           "item 1's gain 2.5 is pointed at in its axis (4:20)");
    expect(variant(buf, "batch: 7, lr: 0.01}\n", "batch: 9, lr: 0.20}\n"), check_gain, RL_EINPUT,
           "t.yaml:6:25: item 0 (task=2af, gain=1.5), id ",
           "item 0's lr 0.2 from params is pointed at (6:25)");
    char ov[sizeof spec];
    strcpy(ov, variant(buf, "batch: 7", "batch: 9"));
    memcpy(strstr(ov, "[1.5, 2.5]"), "[1.5, 1.0]", 10);
    expect(ov, check_gain, RL_EINPUT, "t.yaml:9:21: item 2 (task=dms, gain=1.5), id ",
           "the dms items' lr 0.5 comes from the override: its value is pointed at (9:21)");
    expect(variant(buf, "batch: 7", "batch: 9"), check_gain_reworded, RL_EINPUT,
           "t.yaml:4:20: item 1 (task=2af, gain=2.5), id ",
           "a message naming no path keeps its position: the check's data says init.gain (4:20)");
    expect(variant(buf, "batch: 7, lr: 0.01}\n", "batch: 9, lr: 0.20}\n"), check_gain_reworded,
           RL_EINPUT, "t.yaml:6:25: item 0 (task=2af, gain=1.5), id ",
           "... and train.lr from params (6:25)");
    expect(variant(buf, "batch: 7, lr: 0.01}\n", "batch: 9, lr: 0.20}\n"), check_two, RL_EINPUT,
           "t.yaml:6:25: item 0 (task=2af, gain=1.5), id ",
           "about model.hidden (a default here) and train.lr: train.lr's position (6:25)");
    expect(variant(buf, "batch: 7", "batch: 9"), check_tagged, RL_EINPUT,
           "t.yaml:4:20: item 1 (task=2af, gain=2.5), id ",
           "a helper's failure tagged by its caller (rl_status_about) is placed (4:20)");
    const char plain[] = "name: p\nparams:\n  init.gain: 4\n";
    expect(plain, check_gain, RL_EINPUT, "t.yaml:3:14: the sweep's only item, id ",
           "a sweep without axes: the item's value in params is pointed at (3:14)");
    expect(plain, check_memory, RL_ENOMEM, "the sweep's only item, id ",
           "an out-of-memory failure keeps its code and gets no position");
    return rl_test_done();
}
