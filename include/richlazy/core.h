/*
** core.h: the basics every richlazy module shares — the status object that
** carries the first error up to main(), the propagation macros, and checked
** allocation.
** Why: PETSc-style error flow. Every call that can fail returns an rl_code and
** records one human-readable message in the caller's rl_status; only main()
** prints it and maps the code to an exit status. No module calls exit() or
** abort(), and there is no global error handler.
** Exit statuses (README "Exit codes"): 0 done, 1 internal, 2 bad input, 3 resumable stop.
*/
#ifndef RICHLAZY_CORE_H
#define RICHLAZY_CORE_H

#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

typedef enum rl_code {
    RL_OK = 0,
    RL_EINPUT,   /* bad spec, option or data file: the user can fix it  (exit 2) */
    RL_ESTOPPED, /* signal or time limit; state on disk is resumable    (exit 3) */
    RL_ENOMEM,   /* allocation failed                                   (exit 1) */
    RL_EIO,      /* file system or NetCDF call failed                   (exit 1) */
    RL_EMPI,     /* MPI call failed                                     (exit 1) */
    RL_EBUG,     /* one of our own invariants broke                     (exit 1) */
} rl_code;

#define RL_STATUS_PARAMS_CAP 128 /* room for a few parameter paths ("init.rank model.hidden") */

typedef struct rl_status {
    rl_code code;
    char msg[1024];   /* the first failure only, already phrased for the user */
    const char *file; /* where it was raised (for debugging) */
    int line;
    /* The parameters the failure is about, as data: dotted paths separated by one
       space, most telling first ("init.celltype_alpha model.hidden"); "" if none.
       The spec places an item's failure at the YAML value of the first path that
       the item set (rl_spec_check_items), whatever the message says. */
    char params[RL_STATUS_PARAMS_CAP];
} rl_status;

/* An rl_status with no failure recorded. */
#define RL_STATUS_INIT                                                                             \
    {                                                                                              \
        RL_OK, {0}, NULL, 0,                                                                       \
        {                                                                                          \
            0                                                                                      \
        }                                                                                          \
    }

/* Records the failure unless one is already recorded; returns code. */
rl_code rl_status_fail(rl_status *st, rl_code code, const char *file, int line, const char *fmt,
                       ...) __attribute__((format(printf, 5, 6)));
rl_code rl_status_vfail(rl_status *st, rl_code code, const char *file, int line, const char *fmt,
                        va_list ap);
/*
** Names the parameters a recorded failure is about (st->params), e.g.
** rl_status_about(st, "init.file") after a file reader failed: only if a failure
** is recorded and names none yet, so the innermost check's paths win. Returns
** st->code. params: dotted paths separated by one space, most telling first.
*/
rl_code rl_status_about(rl_status *st, const char *params);
/* Forgets a recorded failure (used where a failure becomes data, e.g. a failed item). */
void rl_status_clear(rl_status *st);
/* Exit status for a code: 0, 1, 2 or 3 (see the header comment). */
int rl_status_exit_code(rl_code code);
/* Short name of a code, for logs ("input", "stopped", ...). */
const char *rl_code_name(rl_code code);

#define RL_FAIL(st, code, ...) return rl_status_fail((st), (code), __FILE__, __LINE__, __VA_ARGS__)
#define RL_CHECK(cond, st, code, ...)                                                              \
    do {                                                                                           \
        if (!(cond)) RL_FAIL((st), (code), __VA_ARGS__);                                           \
    } while (0)
/*
** An item-level check (data-free, run on every item by `plan`): RL_EINPUT with the
** message, about `params` (see rl_status.params), e.g.
**   RL_CHECK_PARAM(p->linear.rank <= p->linear.d, st, "linear.rank linear.d",
**                  "linear.rank = %ld exceeds linear.d = %ld; valid: ...", ...);
*/
#define RL_FAIL_PARAM(st, params, ...)                                                             \
    do {                                                                                           \
        rl_status_fail((st), RL_EINPUT, __FILE__, __LINE__, __VA_ARGS__);                          \
        return rl_status_about((st), (params));                                                    \
    } while (0)
#define RL_CHECK_PARAM(cond, st, params, ...)                                                      \
    do {                                                                                           \
        if (!(cond)) RL_FAIL_PARAM((st), (params), __VA_ARGS__);                                   \
    } while (0)
#define RL_TRY(call)                                                                               \
    do {                                                                                           \
        rl_code rl_rc_ = (call);                                                                   \
        if (rl_rc_ != RL_OK) return rl_rc_;                                                        \
    } while (0)

/*
** Checked allocation. rl_alloc returns zeroed memory aligned to 64 bytes (one
** cache line, and what AVX-512 loads like) or NULL with RL_ENOMEM recorded in st.
** n * size overflow is detected. Free with rl_free (safe on NULL).
*/
void *rl_alloc(size_t n, size_t size, rl_status *st);
void rl_free(void *p);

/* Formats into a fixed buffer, always NUL-terminated; returns false if truncated. */
bool rl_snprintf(char *buf, size_t cap, const char *fmt, ...) __attribute__((format(printf, 3, 4)));

/* Monotonic wall clock in seconds. */
double rl_now(void);

/*
** 64-bit FNV-1a of n bytes, continuing from h (start with RL_FNV_INIT): the
** checksum of checkpoint files and the fingerprint of an item's parameters.
** Not cryptographic; it finds damage and mix-ups, not attacks.
*/
#define RL_FNV_INIT 14695981039346656037ull
uint64_t rl_fnv1a(uint64_t h, const void *data, size_t n);

/* Version and the git commit the binary was built from (set by meson). */
const char *rl_version(void);
const char *rl_git_commit(void);

#endif /* RICHLAZY_CORE_H */
