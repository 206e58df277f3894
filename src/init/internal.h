/*
** internal.h: what the files of the init module share and nothing else sees.
** Why: the registry in init.c calls one generator per kind with the same shape,
** so a new structure is one file plus one registry line (DESIGN "Extending").
** Generator contract: given the seed's standard-normal matrix Z (n x n, stream
** "init.w0", row-major), write the structure "as generated" (init.norm: none)
** into w; init.c then rescales it (magnitude.c). Z is never modified. The
** structured kinds are built from Z / sqrt(n) (unit gain); only gaussian and
** uniform carry init.gain themselves.
*/
#ifndef RL_INIT_INTERNAL_H
#define RL_INIT_INTERNAL_H

#include "richlazy/init.h"
#include "richlazy/rng.h"

/* A generator of one kind (see the contract above). */
typedef rl_code (*rl_init_gen_fn)(const rl_params *p, uint64_t sweep_seed, const double *z,
                                  double *w, rl_status *st);
/* The data-free checks of one kind's own parameters (rl_init_check calls it). */
typedef rl_code (*rl_init_check_fn)(const rl_params *p, rl_status *st);

/* ---- gaussian.c ---- */
/* Z: n*n standard normals from stream "init.w0" keyed by (sweep seed, item seed), row-major. */
void rl_init_draw_z(const rl_params *p, uint64_t sweep_seed, double *z);
rl_code rl_init_gen_gaussian(const rl_params *p, uint64_t sweep_seed, const double *z, double *w,
                             rl_status *st);
rl_code rl_init_gen_uniform(const rl_params *p, uint64_t sweep_seed, const double *z, double *w,
                            rl_status *st);

/* ---- lowrank.c ---- */
rl_code rl_init_gen_svd(const rl_params *p, uint64_t sweep_seed, const double *z, double *w,
                        rl_status *st);
rl_code rl_init_gen_softrank(const rl_params *p, uint64_t sweep_seed, const double *z, double *w,
                             rl_status *st);
/*
** w (n x n) <- its top r singular triplets, U_r S_r V_r^T, in place; r <= 0 or
** r >= n leaves w as it is. A tie s_r = s_{r+1} is broken by LAPACK's order.
*/
rl_code rl_init_truncate(double *w, int n, int r, rl_status *st);

/* ---- celltype.c ---- */
rl_code rl_init_check_celltype(const rl_params *p, rl_status *st);
rl_code rl_init_gen_celltype(const rl_params *p, uint64_t sweep_seed, const double *z, double *w,
                             rl_status *st);

/* ---- dale.c ---- */
rl_code rl_init_check_dale(const rl_params *p, rl_status *st);
rl_code rl_init_gen_dale(const rl_params *p, uint64_t sweep_seed, const double *z, double *w,
                         rl_status *st);

/* ---- chain.c ---- */
rl_code rl_init_check_chain(const rl_params *p, rl_status *st);
rl_code rl_init_gen_chain(const rl_params *p, uint64_t sweep_seed, const double *z, double *w,
                          rl_status *st);

/* ---- file.c (format dispatch, csv, netCDF), npy.c, and fileio.c (what both share) ---- */
rl_code rl_init_check_file(const rl_params *p, rl_status *st);
rl_code rl_init_gen_file(const rl_params *p, uint64_t sweep_seed, const double *z, double *w,
                         rl_status *st);
/*
** Readers fill m (n x n, row-major in the file's own orientation) from path, or
** fail with RL_EINPUT naming the file: wrong shape (both shapes named), bad
** format, truncation. Finiteness is checked by the caller.
*/
rl_code rl_init_read_npy(const char *path, int n, double *m, rl_status *st);
/* Shape check shared by the readers: rows x cols must be n x n. */
rl_code rl_init_file_shape(const char *path, size_t rows, size_t cols, int n, rl_status *st);
/* Whole file into a NUL-terminated buffer (free with rl_free); errors name the file. */
rl_code rl_init_slurp(const char *path, unsigned char **buf, size_t *len, rl_status *st);

/* ---- magnitude.c ---- */
/* Applies init.norm to w, matching W0 = g Z / sqrt(n); is_w0 = w already is W0 (gaussian). */
rl_code rl_init_rescale(const rl_params *p, bool is_w0, const double *z, double *w, rl_status *st);

/* ---- spectrum.c ---- */
double rl_init_frobenius(const double *w, size_t count);
rl_code rl_init_radius(const double *w, int n, double *radius, rl_status *st);
/* Full SVD, row-major: w = u diag(s) vt, u and vt n x n, s descending. */
rl_code rl_init_svd(const double *w, int n, double *u, double *s, double *vt, rl_status *st);

/* ---- subset.c ---- */
/*
** Marks exactly k of n items (mask[i] = 1), every k-subset equally likely:
** Knuth's selection sampling (TAOCP vol. 2, 3.4.2, Algorithm S), one draw per item,
** so the subset depends only on the stream, not on any allocation.
*/
void rl_init_pick_subset(rl_rng *r, int n, int k, uint8_t *mask);

#endif /* RL_INIT_INTERNAL_H */
