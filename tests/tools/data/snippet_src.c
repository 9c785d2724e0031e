/* Source file that the snippet test's report points into (line numbers matter). */
#include <stdlib.h>

static char *make(void)
{
	char *p = malloc(16); /* line 6: the frame's line */
	return p;
}

int main(void)
{
	return make() != NULL;
}
