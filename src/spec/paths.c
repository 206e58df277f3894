/*
** paths.c: parameter paths of a spec — the aliases (`lr` for train.lr),
** resolving a dotted path or alias to its table key, telling a section
** (`train`) from a key, and a key's index in the table (module: spec).
** Why a file of its own: the messages (errors.c, "did you mean" over paths
** and aliases), the values (values.c) and the parser (flatten.c, items.c)
** all look paths up; kept with the values it made errors.c and values.c
** call each other (tests/arch/layers.py). It calls only the parameter
** table, nothing else in the module.
*/
#include "spec_int.h"

#include <assert.h>
#include <string.h>

static const spec_alias aliases[] = {
    {"task", "task.name"},      {"rank", "init.rank"}, {"gain", "init.gain"},
    {"hidden", "model.hidden"}, {"lr", "train.lr"},
};

const spec_alias *spec_aliases(size_t *count)
{
    *count = sizeof aliases / sizeof aliases[0];
    return aliases;
}

const rl_key *spec_resolve_path(const char *path)
{
    const rl_key *key = rl_params_find(path);
    for (size_t i = 0; !key && i < sizeof aliases / sizeof aliases[0]; i++)
        if (strcmp(path, aliases[i].name) == 0) key = rl_params_find(aliases[i].path);
    return key;
}

bool spec_is_section(const char *prefix)
{
    size_t n, len = strlen(prefix);
    const rl_key *keys = rl_params_keys(&n);
    for (size_t i = 0; i < n; i++)
        if (strncmp(keys[i].path, prefix, len) == 0 && keys[i].path[len] == '.') return true;
    return false;
}

size_t spec_key_index(const rl_key *key)
{
    size_t n;
    const rl_key *keys = rl_params_keys(&n);
    assert(key >= keys && key < keys + n);
    return (size_t)(key - keys);
}
