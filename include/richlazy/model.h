/*
** model.h: the RNN of paper Eq. 1–2, its backpropagation through time, the
** losses and the optimisers (module: model).
**
** Implemented form (Eq. 1 with the output index shifted so that y_t sees x_t):
**     a_t = rho a_{t-1} + (1 - rho) (W_h r_{t-1} + W_x x_t),   r_t = relu(a_t),
**     y_t = w r_t,                                a_{-1} = r_{-1} = 0,  t = 0..T-1.
** With rho = 0 this is exactly the reference script's r_t = relu(W_x x_t + W_h r_{t-1}),
** y_t = w r_t. No biases. Paper symbols -> C: W_h -> w_h (N x N, row = post),
** W_x -> w_x (N x n_in), w -> w_out (n_out x N), rho -> rho, f -> relu.
**
** All trained parameters live in one float vector theta = [w_h | w_x | w_out]
** (row-major each), so optimisers, checkpoints and weight change see one array.
** Batches are time-major (task.h); per step the state is a B x N row block.
*/
#ifndef RICHLAZY_MODEL_H
#define RICHLAZY_MODEL_H

#include "richlazy/core.h"
#include "richlazy/task.h"

typedef struct rl_rnn {
    int n_in, n_hidden, n_out;
    float rho;
    size_t n_params;           /* N*N + N*n_in + n_out*N */
    float *theta;              /* owned; the views below point into it */
    float *w_h, *w_x, *w_out;
} rl_rnn;

rl_code rl_rnn_create(int n_in, int n_hidden, int n_out, float rho, rl_rnn **out, rl_status *st);
void rl_rnn_destroy(rl_rnn **net);

/*
** Workspace for one (T, B): the stored pre-activations a_t and outputs y_t,
** and the scratch BPTT needs. Reused across iterations; allocates once.
*/
typedef struct rl_rnn_work rl_rnn_work;
rl_code rl_rnn_work_create(const rl_rnn *net, int steps, int batch, rl_rnn_work **out,
                           rl_status *st);
void rl_rnn_work_destroy(rl_rnn_work **w);

/* Runs Eq. 1 over the batch; keeps what backward needs in w. */
void rl_rnn_forward(const rl_rnn *net, const float *x, rl_rnn_work *w);
/* Outputs y: T*B*n_out, [t][b][o]; valid after forward. */
const float *rl_rnn_outputs(const rl_rnn_work *w);
/* Hidden activity r_t = relu(a_t): B x N block of step t; valid after forward. */
const float *rl_rnn_hidden(const rl_rnn_work *w, int t);
/* dL/dy for the loss, as T*B*n_out; the loss writes it, backward reads it. */
float *rl_rnn_output_grad(rl_rnn_work *w);
/*
** BPTT from dL/dy (rl_rnn_output_grad) to grad (n_params floats, theta's layout),
** overwriting grad. The weight gradients are batched over all steps: one GEMM
** each with K = T*B.
*/
void rl_rnn_backward(const rl_rnn *net, const float *x, rl_rnn_work *w, float *grad);

/*
** Loss over a batch, reading outputs y and writing dL/dy into dy.
** CE: mean over masked (t, b) of -log softmax(y_tb)[label_tb] (PyTorch's
** CrossEntropyLoss with mean reduction over the counted elements).
** MSE: mean over masked (t, b) and outputs of (y - target)^2.
** Accumulates in double. *correct counts masked (t,b) whose argmax equals the
** label (CE only; 0 for MSE), *counted the masked (t,b).
*/
double rl_loss_eval(rl_loss_kind kind, const rl_batch *b, const float *y, float *dy,
                    long *correct, long *counted);

/* ---- optimisers ---- */
typedef enum rl_opt_kind { RL_OPT_SGD, RL_OPT_ADAM } rl_opt_kind;
typedef struct rl_opt {
    rl_opt_kind kind;
    double lr, momentum, beta1, beta2, eps;
    size_t n;
    long step;  /* updates taken (Adam's bias correction) */
    float *m;   /* SGD velocity / Adam first moment (owned) */
    float *v;   /* Adam second moment (owned; NULL for SGD) */
} rl_opt;
rl_code rl_opt_create(const rl_params *p, size_t n, rl_opt **out, rl_status *st);
void rl_opt_destroy(rl_opt **o);
/* SGD (PyTorch): m = mu m + g; theta -= lr m.  Adam: PyTorch's default rule. */
void rl_opt_step(rl_opt *o, float *theta, const float *grad);

#endif /* RICHLAZY_MODEL_H */
