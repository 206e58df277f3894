/*
** test_optim.c: rl_opt_step (src/model/optim.c) against sequences worked out
** by hand with PyTorch's formulas, 3 steps on 2 parameters, plus the
** optimiser's construction from train.* parameters.
** Problem: theta_0 = (1, -1), gradients g1 = (1, -2), g2 = (0.5, 0.5),
** g3 = (-1, 0.25), lr = 0.1 (fixed gradients, so the sequence isolates the rule).
*/
#include "fixture.h"
#include "rltest.h"

#include <string.h>

static const double TOL = 2e-7; /* a few float ulps at |theta| ~ 1 */
static const float GRADS[3][2] = {{1, -2}, {0.5f, 0.5f}, {-1, 0.25f}};

/*
** SGD, mu = 0.9:  v1 = g1 = (1, -2)                        theta1 = (0.9, -0.8)
**                 v2 = 0.9 v1 + g2 = (1.4, -1.3)           theta2 = (0.76, -0.67)
**                 v3 = 0.9 v2 + g3 = (0.26, -0.92)         theta3 = (0.734, -0.578)
*/
static void test_sgd(void)
{
    static const double want[3][2] = {{0.9, -0.8}, {0.76, -0.67}, {0.734, -0.578}};
    rl_status st = RL_STATUS_INIT;
    rl_params p;
    rl_opt *o = NULL;
    float theta[2] = {1, -1};
    rl_params_defaults(&p);
    strcpy(p.train.optimizer, "sgd");
    p.train.lr = 0.1;
    p.train.momentum = 0.9;
    if (rl_opt_create(&p, 2, &o, &st)) {
        RL_TEST(0, "SGD optimiser is created: %s", st.msg);
        return;
    }
    for (int k = 0; k < 3; k++) {
        rl_opt_step(o, theta, GRADS[k]);
        RL_TEST(fabs(theta[0] - want[k][0]) <= TOL && fabs(theta[1] - want[k][1]) <= TOL,
                "SGD momentum step %d: theta = (%.7f, %.7f), hand value (%g, %g), tol %.0e", k + 1,
                theta[0], theta[1], want[k][0], want[k][1], TOL);
    }
    RL_TEST(o->step == 3 && o->v == NULL, "SGD counts 3 steps and keeps no second moment");
    rl_opt_destroy(&o);
    RL_TEST(o == NULL, "rl_opt_destroy clears the handle");
    rl_opt_destroy(&o); /* safe on NULL: ASan/UBSan would catch misuse */
}

/*
** Adam, b1 = 0.9, b2 = 0.999, eps = 1e-8, mhat = m/(1-b1^t), vhat = v/(1-b2^t):
**  t=1: m = (0.1, -0.2), v = (0.001, 0.004); mhat/sqrt(vhat) = g/|g| = (1, -1)
**       theta1 = (1 - 0.1, -1 + 0.1) = (0.900000001, -0.9000000005)   [eps/|g| shifts 1e-9]
**  t=2: m = (0.14, -0.13), v = (0.001249, 0.004246); mhat = m/0.19 = (0.736842, -0.684211),
**       sqrt(vhat) = sqrt(v/0.001999) = (0.790451, 1.457416); step = 0.1 mhat/sqrt(vhat)
**       = (0.093218, -0.046947) -> theta2 = (0.8067820, -0.8530532)
**  t=3: m = (0.026, -0.092), v = (0.002247751, 0.004304254); mhat = m/0.271,
**       sqrt(vhat) = sqrt(v/0.002997001) -> theta3 = (0.7957037, -0.8247254)
*/
static void test_adam(void)
{
    static const double want[3][2] = {{0.900000001, -0.9000000005},
                                      {0.8067820382981611, -0.8530531837013348},
                                      {0.7957037312938717, -0.8247253717416873}};
    rl_status st = RL_STATUS_INIT;
    rl_params p;
    rl_opt *o = NULL;
    float theta[2] = {1, -1};
    rl_params_defaults(&p); /* beta1 0.9, beta2 0.999, eps 1e-8: torch's defaults */
    strcpy(p.train.optimizer, "adam");
    p.train.lr = 0.1;
    if (rl_opt_create(&p, 2, &o, &st)) {
        RL_TEST(0, "Adam optimiser is created: %s", st.msg);
        return;
    }
    RL_TEST(o->beta1 == 0.9 && o->beta2 == 0.999 && o->eps == 1e-8,
            "Adam takes torch's defaults from train.* (beta1 %g, beta2 %g, eps %g)", o->beta1,
            o->beta2, o->eps);
    for (int k = 0; k < 3; k++) {
        rl_opt_step(o, theta, GRADS[k]);
        RL_TEST(fabs(theta[0] - want[k][0]) <= TOL && fabs(theta[1] - want[k][1]) <= TOL,
                "Adam step %d: theta = (%.7f, %.7f), hand value (%.7f, %.7f), tol %.0e", k + 1,
                theta[0], theta[1], want[k][0], want[k][1], TOL);
    }
    rl_opt_destroy(&o);
}

static void test_unknown(void)
{
    rl_status st = RL_STATUS_INIT;
    rl_params p;
    rl_opt *o = NULL;
    rl_params_defaults(&p);
    strcpy(p.train.optimizer, "rmsprop");
    rl_code rc = rl_opt_create(&p, 2, &o, &st);
    RL_TEST(rc == RL_EINPUT && o == NULL && strstr(st.msg, "rmsprop") && strstr(st.msg, "adam"),
            "an unknown optimiser is a user error naming it and the valid ones: \"%s\"", st.msg);
}

int main(void)
{
    test_sgd();
    test_adam();
    test_unknown();
    return rl_test_done();
}
