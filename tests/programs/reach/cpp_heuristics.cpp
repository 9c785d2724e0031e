// Interior pointers that memcheck's default heuristics count as start
// pointers: new T[n] of a type with a destructor (the pointer skips the
// element count) and an object held through its second base class.
// Both still reachable, not possibly lost.
// memcheck: definitely 0, indirectly 0, possibly 0; still reachable
// 8 + 4*16 = 72 (make_array) + 32 (make_derived).
#include <cstdio>

struct Elem {
	long a = 1, b = 2;
	~Elem() { a = 0; }
};

struct A {
	virtual ~A() {}
	virtual void f() {}
	long x = 1;
};
struct B {
	virtual ~B() {}
	virtual void g() {}
	long y = 2;
};
struct D : A, B {
	void f() override {}
	void g() override {}
};

Elem *arr;
B *second;

__attribute__((noinline)) static void make_array()
{
	arr = new Elem[4];
	arr[1].a = 5;
}

__attribute__((noinline)) static void make_derived()
{
	second = new D;
	second->g();
}

__attribute__((noinline)) static void scrub()
{
	volatile char buf[16384];
	for (size_t i = 0; i < sizeof buf; i++)
		buf[i] = 0;
}

int main()
{
	make_array();
	make_derived();
	scrub();
	std::printf("%ld\n", arr[1].a);
	return 0;
}
