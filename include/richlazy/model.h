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
** Batches are time-major (batch.h); per step the state is a B x N row block.
** Precision: state, weights and GEMMs in float (OpenBLAS sgemm); the loss in double.
** Nothing here allocates after create, nothing is collective, nothing is global.
*/
#ifndef RICHLAZY_MODEL_H
#define RICHLAZY_MODEL_H

#include "richlazy/batch.h"
#include "richlazy/core.h"
#include "richlazy/params.h"

/* ---- the network ---- */

typedef struct rl_rnn {
    int n_in, n_hidden, n_out;
    float rho;
    size_t n_params; /* N*N + N*n_in + n_out*N */
    float *theta;    /* owned, zeroed by create; the views below point into it */
    float *w_h, *w_x, *w_out;
} rl_rnn;

/*
** Allocates a network with zero weights (the init module fills theta).
** Returns RL_EINPUT unless n_in, n_hidden, n_out >= 1 and 0 <= rho < 1
** (rho = 1 would freeze the state: Eq. 1 then ignores its input), or RL_ENOMEM.
*/
rl_code rl_rnn_create(int n_in, int n_hidden, int n_out, float rho, rl_rnn **out, rl_status *st);
/* Frees net and sets *net = NULL; safe on NULL. */
void rl_rnn_destroy(rl_rnn **net);
/* rho of Eq. 1 for p: 0 when model.tau = 0 (the reference script), else exp(-task.dt / model.tau).
 */
double rl_rnn_rho(const rl_params *p);

/*
** Workspace for one network shape and one (T, B): the hidden states r_t, the
** outputs y_t, dL/dy and the BPTT scratch (about 2 T B N + N^2 floats). Reused across
** iterations; forward and backward allocate nothing. One workspace serves one
** thread; it may be shared by networks of the same shape (e.g. W(0) and W(f)).
** Returns RL_EINPUT unless steps, batch >= 1, or RL_ENOMEM.
*/
typedef struct rl_rnn_work rl_rnn_work;
rl_code rl_rnn_work_create(const rl_rnn *net, int steps, int batch, rl_rnn_work **out,
                           rl_status *st);
/* Frees w and sets *w = NULL; safe on NULL. */
void rl_rnn_work_destroy(rl_rnn_work **w);
/*
** What an item's bits depend on besides its parameters, on this process: the GEMM kernel a
** workspace created now would use and the OpenBLAS core (fallback products, LAPACK), e.g.
** "gemm avx512, openblas Prescott". Items trained on ranks that print different strings
** agree only to rounding; the engine warns and records it in the results file.
*/
void rl_rnn_numerics(char *buf, size_t cap);
int rl_rnn_work_steps(const rl_rnn_work *w);
int rl_rnn_work_batch(const rl_rnn_work *w);

/*
** Runs Eq. 1 over one batch; keeps what backward needs in w.
**   x (in)  T*B*n_in, [t][b][i] (rl_batch.x for the workspace's T and B)
** w must have been created for a network of net's shape.
*/
void rl_rnn_forward(const rl_rnn *net, const float *x, rl_rnn_work *w);
/* Outputs y: T*B*n_out, [t][b][o]; valid after forward. */
const float *rl_rnn_outputs(const rl_rnn_work *w);
/* Hidden activity r_t = relu(a_t): the B x N block of step t; valid after forward. */
const float *rl_rnn_hidden(const rl_rnn_work *w, int t);
/* dL/dy, T*B*n_out like the outputs: the loss (or a caller) writes it, backward reads it. */
float *rl_rnn_output_grad(rl_rnn_work *w);
/*
** BPTT from dL/dy (rl_rnn_output_grad) to grad (n_params floats, theta's
** layout), overwriting grad. Needs the forward of the same net and x just before.
** Per step one GEMM for the recurrent term; the weight gradients are batched
** over all steps, one GEMM each with K = T*B (K = (T-1)*B for W_h: r_{-1} = 0;
** the readout terms start at the first step whose dL/dy is not all zero).
*/
void rl_rnn_backward(const rl_rnn *net, const float *x, rl_rnn_work *w, float *grad);

/* ---- losses ---- */

/*
** Loss over a batch, reading outputs y (T*B*n_out) and writing dL/dy into dy.
** CE: mean over masked (t, b) of -log softmax(y_tb)[label_tb] (PyTorch's
** CrossEntropyLoss with mean reduction over the counted elements).
** MSE: mean over masked (t, b) and outputs of (y - target)^2 (PyTorch's MSELoss
** over the counted elements).
** The mask weights each (t, b); with 0/1 masks "mean over masked" is exact.
** Accumulates in double. dy may be NULL (evaluation only); dy is written
** everywhere, 0 where the mask is 0. *correct counts masked (t, b) whose argmax
** (first maximum) equals the label (CE only; 0 for MSE), *counted the masked
** (t, b); either may be NULL. No masked element: returns 0 and dy = 0.
** Labels must lie in [0, n_out) (the task's invariant; asserted).
*/
double rl_loss_eval(rl_loss_kind kind, const rl_batch *b, const float *y, float *dy, long *correct,
                    long *counted);

/* ---- optimisers ---- */

typedef enum rl_opt_kind { RL_OPT_SGD, RL_OPT_ADAM } rl_opt_kind;
typedef struct rl_opt {
    rl_opt_kind kind;
    double lr, momentum, beta1, beta2, eps;
    size_t n;
    long step; /* updates taken (Adam's bias correction) */
    float *m;  /* SGD velocity / Adam first moment (owned) */
    float *v;  /* Adam second moment (owned; NULL for SGD) */
} rl_opt;
/*
** Optimiser over n parameters from p->train (optimizer, lr, momentum, beta1,
** beta2, eps), with zero state. RL_EINPUT for an unknown train.optimizer.
*/
rl_code rl_opt_create(const rl_params *p, size_t n, rl_opt **out, rl_status *st);
/* Frees o and sets *o = NULL; safe on NULL. */
void rl_opt_destroy(rl_opt **o);
/*
** One update of theta (n floats) from grad, as torch.optim (1.13) with no
** weight decay, dampening or Nesterov:
**   SGD:  v = mu v + g (first step: v = g); theta -= lr v.
**   Adam: m = b1 m + (1-b1) g; v = b2 v + (1-b2) g^2; t = step + 1;
**         theta -= (lr / (1 - b1^t)) m / (sqrt(v) / sqrt(1 - b2^t) + eps).
*/
void rl_opt_step(rl_opt *o, float *theta, const float *grad);

#endif /* RICHLAZY_MODEL_H */
