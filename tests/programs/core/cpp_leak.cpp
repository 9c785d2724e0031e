// C++ new/delete are seen through libstdc++'s malloc calls; the first frame
// is the caller of operator new. memcheck: definitely lost 88 bytes in 2
// blocks: 48 (new Session, sizeof 48) in make_session, 40 (new int[10]) in
// make_array. A deleted object is not reported.
#include <string.h>
#include <unistd.h>

struct Session {
	long id;
	char name[32];
	Session *next;
};

static volatile long sink;

__attribute__((noinline)) static void make_session()
{
	Session *s = new Session();
	s->id = 7;
	sink += s->id;
}

__attribute__((noinline)) static void make_array()
{
	int *a = new int[10];
	a[3] = 3;
	sink += a[3];
}

__attribute__((noinline)) static void make_and_delete()
{
	Session *s = new Session();
	sink += s->id;
	delete s;
}

int main()
{
	static_assert(sizeof(Session) == 48, "Session is 48 bytes");
	make_session();
	make_array();
	make_and_delete();
	write(1, "done\n", 5);
	return 0;
}
