/* Exits with status 42: a test that the status reaches the parent's wait. */
#include "user/lib/ulib.h"

int main(int argc, char **argv)
{
	exit(42);
}
