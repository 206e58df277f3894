/*
** test_structures.c: what holds for every kind (init.c, magnitude.c), and the
** paper's Fig. 2 premise that every biological structure has a lower effective
** rank than the Gaussian null.
** Checks: the registry and the init.kind choices of params_init.def are the same
** list; every kind builds, is deterministic (bit-identical twice), is scaled to
** ||W0||_F by default (1e-12 rel) and to W0's spectral radius by norm spectral
** (1e-10 rel); celltype, dale and chain at N = 300 (seeds 1-3) and the V1
** connectome at N = 198 have eff_rank_eig and eff_rank_sv below 0.8 x those of the
** Gaussian W0 of the same seed and size.
*/
#include "initest.h"

#include <stdio.h>
#include <unistd.h>

static const char *v1_path = "/work/shared/data/v1dd_l23_l4_198.npy";

/*
** The registry covers the table: every init.kind choice of params_init.def passes
** rl_init_check's lookup (a choice without a generator would be RL_EBUG), and a
** name outside the choices is refused by the table's own check, about init.kind.
*/
static void test_registry_matches_table(void)
{
    const char *c = rl_params_find("init.kind")->choices;
    int n = 0, found = 0;
    while (*c) {
        size_t len = strcspn(c, "|");
        rl_params p = params_for("gaussian", 10, 1);
        snprintf(p.init.kind, sizeof p.init.kind, "%.*s", (int)len, c);
        set_param(&p, "init.file", "/dev/null"); /* kind file's own check needs a name */
        set_param(&p, "init.file_format", "npy");
        rl_status st = RL_STATUS_INIT;
        rl_code rc = rl_init_check(&p, &st);
        n++;
        found += rc != RL_EBUG;
        if (rc == RL_EBUG) printf("  init.kind '%s': %s\n", p.init.kind, st.msg);
        c += len + (c[len] == '|');
    }
    RL_TEST(n >= 8 && found == n, "every one of the %d .def choices of init.kind has a generator",
            n);
    rl_params p = params_for("gaussian", 10, 1);
    snprintf(p.init.kind, sizeof p.init.kind, "smallworld");
    rl_status st = RL_STATUS_INIT;
    rl_code rc = rl_init_check(&p, &st);
    char want[512];
    snprintf(want, sizeof want, "valid: %s", rl_params_find("init.kind")->choices);
    RL_TEST(rc == RL_EINPUT && strstr(st.msg, want) && strcmp(st.params, "init.kind") == 0,
            "an unknown kind is refused by the table, listing exactly the .def choices: \"%s\"",
            st.msg);
}

/* A 50 x 50 CSV connectome for kind file (written to a temporary file). */
static void write_csv(char *path, size_t cap, int n)
{
    snprintf(path, cap, "/tmp/rl_init_structures_%ld.csv", (long)getpid());
    FILE *f = fopen(path, "w");
    for (int i = 0; i < n; i++)
        for (int j = 0; j < n; j++)
            fprintf(f, "%.17g%s", cos(3.0 * i + j * j) + (i == j), j + 1 < n ? "," : "\n");
    fclose(f);
}

static void test_every_kind(void)
{
    enum { N = 50 };
    char kinds[512], csv[128];
    snprintf(kinds, sizeof kinds, "%s", rl_params_find("init.kind")->choices);
    write_csv(csv, sizeof csv, N);
    for (char *kind = strtok(kinds, "|"); kind; kind = strtok(NULL, "|")) {
        rl_params p = params_for(kind, N, 9);
        set_param(&p, "init.rank", "10");
        if (strcmp(kind, "file") == 0) set_param(&p, "init.file", csv);
        double *a = build(&p), *b = build(&p), *z = stream_z(&p);
        if (!a || !b) continue;
        RL_TEST(memcmp(a, b, sizeof(double) * N * N) == 0, "%s: two builds are bit-identical",
                kind);
        double want = p.init.gain * frob(z, N * N) / sqrt(N);
        RL_TEST_REL(frob(a, N * N), want, 1e-12,
                    "%s: norm frobenius gives ||W||_F = ||W0||_F (1e-12)", kind);
        set_param(&p, "init.norm", "spectral");
        double *c = build(&p);
        if (c) {
            for (int k = 0; k < N * N; k++)
                z[k] *= p.init.gain / sqrt(N);
            RL_TEST_REL(spectrum_of(c, N).radius, spectrum_of(z, N).radius, 1e-10,
                        "%s: norm spectral gives W0's spectral radius (1e-10)", kind);
        }
        free(a);
        free(b);
        free(c);
        free(z);
    }
    unlink(csv);
}

static void compare_with_null(const char *what, const double *w, int n, long seed)
{
    rl_params g = params_for("gaussian", n, seed);
    double *w0 = build(&g);
    if (!w0) return;
    rl_spectrum s = spectrum_of(w, n), s0 = spectrum_of(w0, n);
    RL_TEST(s.eff_rank_eig < 0.8 * s0.eff_rank_eig && s.eff_rank_sv < 0.8 * s0.eff_rank_sv,
            "%s: eff_rank_eig %.3f, eff_rank_sv %.3f below 0.8 x the Gaussian null's %.3f, %.3f "
            "(N = %d, seed %ld)",
            what, s.eff_rank_eig, s.eff_rank_sv, s0.eff_rank_eig, s0.eff_rank_sv, n, seed);
    free(w0);
}

static void test_lower_rank_than_null(void)
{
    const char *kinds[] = {"celltype", "dale", "chain"};
    for (size_t k = 0; k < sizeof kinds / sizeof kinds[0]; k++)
        for (long seed = 1; seed <= 3; seed++) {
            rl_params p = params_for(kinds[k], 300, seed);
            double *w = build(&p);
            if (w) compare_with_null(kinds[k], w, 300, seed);
            free(w);
        }
    if (access(v1_path, R_OK) != 0) {
        rl_test_skip_part("the V1 connectome /work/shared/data/v1dd_l23_l4_198.npy is absent "
                          "(its effective-rank check against the Gaussian null)");
        return;
    }
    rl_params p = params_for("file", 198, 1);
    set_param(&p, "init.file", v1_path);
    set_param(&p, "init.transpose", "true");
    double *w = build(&p);
    if (w) compare_with_null("V1 connectome (file)", w, 198, 1);
    free(w);
}

int main(void)
{
    test_registry_matches_table();
    test_every_kind();
    test_lower_rank_than_null();
    return rl_test_done();
}
