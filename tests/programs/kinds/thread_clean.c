/* Every thread joined or detached (by call or by attribute): no thread
 * in the report, and the default gate passes. */
#include <pthread.h>
#include <stdio.h>
#include <unistd.h>

static void *work(void *arg)
{
	return arg;
}

int main(void)
{
	pthread_t a, b, c;
	pthread_create(&a, NULL, work, NULL);
	pthread_join(a, NULL);
	pthread_create(&b, NULL, work, NULL);
	pthread_detach(b);
	pthread_attr_t attr;
	pthread_attr_init(&attr);
	pthread_attr_setdetachstate(&attr, PTHREAD_CREATE_DETACHED);
	pthread_create(&c, &attr, work, NULL);
	pthread_attr_destroy(&attr);
	usleep(20000);
	printf("threads done\n");
	return 0;
}
