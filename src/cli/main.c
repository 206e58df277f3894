/* main.c: placeholder until the CLI lands. */
#include "richlazy/core.h"
#include <stdio.h>
int main(void)
{
    printf("richlazy %s (%s)\n", rl_version(), rl_git_commit());
    return 0;
}
