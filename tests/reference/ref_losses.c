/*
** ref_losses.c OUT.nc — the agreement fixture for the PyTorch reference
** (tests/reference/torch_rnn.py): trains a small 2af network for K SGD
** iterations with richlazy's own task, init, model and optimiser, and writes
** the initial weights, every batch and every loss to OUT.nc. The Python side
** rebuilds the same network in PyTorch (nn.RNN, relu, no bias), replays the
** batches and must reproduce the losses to single-precision tolerance.
*/
#include <netcdf.h>
#include <stdio.h>
#include <string.h>

#include "richlazy/init.h"
#include "richlazy/model.h"
#include "richlazy/task.h"

#define ITERS 6

#define NC(call)                                                                                   \
    do {                                                                                           \
        int rc_ = (call);                                                                          \
        if (rc_ != NC_NOERR) {                                                                     \
            fprintf(stderr, "netCDF: %s\n", nc_strerror(rc_));                                     \
            return 1;                                                                              \
        }                                                                                          \
    } while (0)

static int write_fixture(const char *path, const rl_rnn *net, const float *theta0, const float *xs,
                         const int32_t *labels, const double *losses, const rl_batch *b)
{
    int nc, d_it, d_t, d_b, d_i, d_h, d_o, v[6];
    size_t nh = (size_t)net->n_hidden * net->n_hidden, nx = (size_t)net->n_hidden * net->n_in;
    NC(nc_create(path, NC_CLOBBER | NC_NETCDF4, &nc));
    NC(nc_def_dim(nc, "iteration", ITERS, &d_it));
    NC(nc_def_dim(nc, "time", (size_t)b->steps, &d_t));
    NC(nc_def_dim(nc, "trial", (size_t)b->batch, &d_b));
    NC(nc_def_dim(nc, "input", (size_t)b->n_in, &d_i));
    NC(nc_def_dim(nc, "hidden", (size_t)net->n_hidden, &d_h));
    NC(nc_def_dim(nc, "output", (size_t)b->n_out, &d_o));
    int dhh[2] = {d_h, d_h}, dhi[2] = {d_h, d_i}, doh[2] = {d_o, d_h};
    int dx[4] = {d_it, d_t, d_b, d_i}, dl[3] = {d_it, d_t, d_b};
    NC(nc_def_var(nc, "W_h", NC_FLOAT, 2, dhh, &v[0]));
    NC(nc_def_var(nc, "W_x", NC_FLOAT, 2, dhi, &v[1]));
    NC(nc_def_var(nc, "w", NC_FLOAT, 2, doh, &v[2]));
    NC(nc_def_var(nc, "x", NC_FLOAT, 4, dx, &v[3]));
    NC(nc_def_var(nc, "label", NC_INT, 3, dl, &v[4]));
    NC(nc_def_var(nc, "loss", NC_DOUBLE, 1, &d_it, &v[5]));
    double lr = 0.003, mu = 0.9;
    NC(nc_put_att_double(nc, NC_GLOBAL, "lr", NC_DOUBLE, 1, &lr));
    NC(nc_put_att_double(nc, NC_GLOBAL, "momentum", NC_DOUBLE, 1, &mu));
    NC(nc_enddef(nc));
    NC(nc_put_var_float(nc, v[0], theta0));
    NC(nc_put_var_float(nc, v[1], theta0 + nh));
    NC(nc_put_var_float(nc, v[2], theta0 + nh + nx));
    NC(nc_put_var_float(nc, v[3], xs));
    NC(nc_put_var_int(nc, v[4], labels));
    NC(nc_put_var_double(nc, v[5], losses));
    NC(nc_close(nc));
    return 0;
}

int main(int argc, char **argv)
{
    if (argc != 2) {
        fprintf(stderr, "usage: ref_losses OUT.nc\n");
        return 2;
    }
    rl_status st = RL_STATUS_INIT;
    rl_params p;
    rl_params_defaults(&p);
    p.model.hidden = 64;
    p.train.batch = 16;
    strcpy(p.task.name, "2af");
    strcpy(p.init.kind, "gaussian");
    rl_task *task = NULL;
    rl_rnn *net = NULL;
    rl_rnn_work *work = NULL;
    rl_opt *opt = NULL;
    rl_batch b = {0};
    if (rl_task_create(&p, &task, &st)) goto fail;
    rl_task_shape sh = rl_task_get_shape(task);
    if (rl_rnn_create(sh.n_in, 64, sh.n_out, 0.0f, &net, &st)) goto fail;
    double w0[64 * 64];
    if (rl_init_recurrent(&p, 7, w0, &st)) goto fail;
    for (int i = 0; i < 64 * 64; i++)
        net->w_h[i] = (float)w0[i];
    rl_init_input(&p, 7, sh.n_in, net->w_x);
    rl_init_output(&p, 7, sh.n_out, net->w_out);
    if (rl_batch_create(&sh, 16, &b, &st) || rl_rnn_work_create(net, sh.steps, 16, &work, &st) ||
        rl_opt_create(&p, net->n_params, &opt, &st))
        goto fail;
    static float theta0[64 * 64 + 64 * 8 + 8 * 64], grad[64 * 64 + 64 * 8 + 8 * 64];
    static float xs[ITERS * 8 * 16 * 8];
    static int32_t labels[ITERS * 8 * 16];
    double losses[ITERS];
    size_t nx = (size_t)sh.steps * 16 * sh.n_in, nl = (size_t)sh.steps * 16;
    if (net->n_params > sizeof theta0 / sizeof theta0[0] || nx > 8 * 16 * 8 || sh.steps > 8) {
        fprintf(stderr, "ref_losses: task larger than the fixture's buffers\n");
        return 1;
    }
    memcpy(theta0, net->theta, net->n_params * sizeof(float));
    for (int it = 0; it < ITERS; it++) {
        if (rl_task_fill_train(task, 7, it, &b, &st)) goto fail;
        memcpy(xs + it * nx, b.x, nx * sizeof(float));
        memcpy(labels + it * nl, b.label, nl * sizeof(int32_t));
        rl_rnn_forward(net, b.x, work);
        losses[it] =
            rl_loss_eval(sh.loss, &b, rl_rnn_outputs(work), rl_rnn_output_grad(work), NULL, NULL);
        rl_rnn_backward(net, b.x, work, grad);
        rl_opt_step(opt, net->theta, grad);
    }
    int rc = write_fixture(argv[1], net, theta0, xs, labels, losses, &b);
    rl_opt_destroy(&opt);
    rl_rnn_work_destroy(&work);
    rl_batch_destroy(&b);
    rl_rnn_destroy(&net);
    rl_task_destroy(&task);
    return rc;
fail:
    fprintf(stderr, "ref_losses: %s\n", st.msg);
    return 1;
}
