/*
** test_items.c: rl_spec_check_items (module: spec) — another module's per-item
** rule, failing, is reported at the YAML position where that item got the
** parameter the message names: an axis value, an override, `params`; without a
** position when it names only defaults or nothing; the first failing item wins;
** codes other than input errors pass through.
*/
#include "richlazy/spec.h"
#include "rltest.h"

#include <string.h>

/* A stand-in for rl_train_check: gains above 2, rates above 0.1 and batch 7 are refused. */
static rl_code check_gain(const rl_params *p, rl_status *st)
{
    RL_CHECK(p->init.gain <= 2, st, RL_EINPUT, "init.gain = %g is too large; valid: <= 2",
             p->init.gain);
    RL_CHECK(p->train.lr <= 0.1, st, RL_EINPUT, "train.lr = %g is too large", p->train.lr);
    RL_CHECK(p->train.batch != 7, st, RL_EINPUT, "seven is unlucky (probe.trials = %ld)",
             p->probe.trials);
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
    const char plain[] = "name: p\nparams:\n  init.gain: 4\n";
    expect(plain, check_gain, RL_EINPUT, "t.yaml:3:14: the sweep's only item, id ",
           "a sweep without axes: the item's value in params is pointed at (3:14)");
    expect(plain, check_memory, RL_ENOMEM, "the sweep's only item, id ",
           "an out-of-memory failure keeps its code and gets no position");
    return rl_test_done();
}
