/*
** dump.c: write one item's networks and probe set so anyone can recompute its
** outputs and measures independently (numpy, PyTorch). Names are fixed by the
** issue and documented in the README ("Dump files"):
**   W_h_init, W_h_final (hidden, hidden; row = post-synaptic), W_x_init, W_x_final
**   (hidden, input), w_init, w_final (output, hidden), probe_x (time, trial, input),
**   probe_y (time, trial) class index or (time, trial[, output]) regression target,
**   probe_mask (time, trial); attributes rho, activation, decision_step, every
**   parameter as "param.<path>" and every measure under its own name.
** The file is built in memory and written next to its target, then renamed, so a
** reader never sees half and a full disk is an error message (store.h, ncfile.c).
*/
#include "dump.h"

#include "richlazy/store.h"

#include <netcdf.h>
#include <stdio.h>
#include <string.h>

#define NC(call)                                                                                   \
    do {                                                                                           \
        int nc_rc_ = (call);                                                                       \
        if (nc_rc_ != NC_NOERR) {                                                                  \
            rl_status_fail(st, RL_EIO, __FILE__, __LINE__, "%s: netCDF: %s", path,                 \
                           nc_strerror(nc_rc_));                                                   \
            goto out;                                                                              \
        }                                                                                          \
    } while (0)

static int def_matrix(int nc, const char *name, int d0, int d1, int *var)
{
    int dims[2] = {d0, d1};
    return nc_def_var(nc, name, NC_FLOAT, 2, dims, var);
}

/* Global attributes: model constants, every parameter, every measure. */
static int put_attributes(int nc, const rl_dump_in *in)
{
    const rl_rnn *net = in->net;
    double rho = net->rho;
    int rc = nc_put_att_double(nc, NC_GLOBAL, "rho", NC_DOUBLE, 1, &rho);
    if (!rc) rc = nc_put_att_text(nc, NC_GLOBAL, "activation", 4, "relu");
    if (!rc) rc = nc_put_att_int(nc, NC_GLOBAL, "decision_step", NC_INT, 1, &in->decision_step);
    size_t nkeys;
    const rl_key *keys = rl_params_keys(&nkeys);
    for (size_t k = 0; k < nkeys && !rc; k++) {
        char name[128], value[RL_PATH_MAX + 64];
        snprintf(name, sizeof name, "param.%s", keys[k].path);
        rl_params_format(in->p, &keys[k], value, sizeof value);
        rc = nc_put_att_text(nc, NC_GLOBAL, name, strlen(value), value);
    }
    for (int m = 0; m < RL_NMEASURES && !rc; m++)
        rc = nc_put_att_double(nc, NC_GLOBAL, rl_measure_get(m)->name, NC_DOUBLE, 1,
                               &in->result->measure[m]);
    return rc;
}

rl_code rl_dump_write(const char *path, const rl_dump_in *in, rl_status *st)
{
    const rl_rnn *net = in->net;
    const rl_batch *b = in->probe;
    const float *th0 = in->theta0;
    size_t nhh = (size_t)net->n_hidden * net->n_hidden, nhx = (size_t)net->n_hidden * net->n_in;
    char tmp[RL_PATH_MAX + 8];
    int nc = -1, dh, di, dout, dt, dtr, v[9];
    RL_CHECK(rl_snprintf(tmp, sizeof tmp, "%s.tmp", path), st, RL_EINPUT,
             "--dump path too long; valid: under %d bytes", RL_PATH_MAX);
    if (rl_store_nc_create(path, &nc, st) != RL_OK) return st->code;
    NC(nc_def_dim(nc, "hidden", (size_t)net->n_hidden, &dh));
    NC(nc_def_dim(nc, "input", (size_t)net->n_in, &di));
    NC(nc_def_dim(nc, "output", (size_t)net->n_out, &dout));
    NC(nc_def_dim(nc, "time", (size_t)b->steps, &dt));
    NC(nc_def_dim(nc, "trial", (size_t)b->batch, &dtr));
    NC(def_matrix(nc, "W_h_init", dh, dh, &v[0]));
    NC(def_matrix(nc, "W_h_final", dh, dh, &v[1]));
    NC(def_matrix(nc, "W_x_init", dh, di, &v[2]));
    NC(def_matrix(nc, "W_x_final", dh, di, &v[3]));
    NC(def_matrix(nc, "w_init", dout, dh, &v[4]));
    NC(def_matrix(nc, "w_final", dout, dh, &v[5]));
    int dx[3] = {dt, dtr, di}, dy[3] = {dt, dtr, dout};
    NC(nc_def_var(nc, "probe_x", NC_FLOAT, 3, dx, &v[6]));
    if (b->label)
        NC(nc_def_var(nc, "probe_y", NC_INT, 2, dy, &v[7]));
    else
        NC(nc_def_var(nc, "probe_y", NC_FLOAT, net->n_out == 1 ? 2 : 3, dy, &v[7]));
    NC(nc_def_var(nc, "probe_mask", NC_FLOAT, 2, dy, &v[8]));
    NC(put_attributes(nc, in));
    NC(nc_enddef(nc));
    NC(nc_put_var_float(nc, v[0], th0));
    NC(nc_put_var_float(nc, v[1], net->w_h));
    NC(nc_put_var_float(nc, v[2], th0 + nhh));
    NC(nc_put_var_float(nc, v[3], net->w_x));
    NC(nc_put_var_float(nc, v[4], th0 + nhh + nhx));
    NC(nc_put_var_float(nc, v[5], net->w_out));
    NC(nc_put_var_float(nc, v[6], b->x));
    NC(b->label ? nc_put_var_int(nc, v[7], b->label) : nc_put_var_float(nc, v[7], b->target));
    NC(nc_put_var_float(nc, v[8], b->mask));
    return rl_store_nc_commit(nc, path, tmp, st);
out:
    rl_store_nc_discard(nc);
    return st->code;
}
