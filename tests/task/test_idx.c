#include "tasktest.h"
int main(void)
{
    return rl_test_done();
}
