// C++ exceptions thrown through frames the stack cache has seen: each round
// leaks one block at depth 1..4 below the throw, the exception unwinds those
// frames (its own object is freed by the catch), and the next round leaks
// from the same sites again. Built -O2 without frame pointers.
//   leak_then_throw: 4 depths x 50 rounds = 200 x 24 B = 4,800 B
//   after_catch: 50 x 72 B = 3,600 B
//   deep_new at depth 30 (operator new's frame is trimmed, the stack is
//   cut at depth=16): 20 x 16 B = 320 B
// total 270 blocks, 8,720 B definitely lost. valgrind 3.19 memcheck
// (--leak-check=full --show-leak-kinds=all): "definitely lost: 8,720 bytes
// in 270 blocks".
#include <cstdio>
#include <cstring>
#include <stdexcept>

#define NOINLINE __attribute__((noinline))
#define KEEP() __asm__ volatile("" ::: "memory")

static volatile unsigned long sink;

static NOINLINE void leak_then_throw(int depth)
{
	if (depth > 1) {
		leak_then_throw(depth - 1);
		KEEP();
		return;
	}
	char *p = new char[24];
	std::memset(p, 1, 24);
	sink += (unsigned long)p & 1;
	throw std::runtime_error("unwind");
}

static NOINLINE void after_catch()
{
	char *p = new char[72];
	std::memset(p, 2, 72);
	sink += (unsigned long)p & 1;
	KEEP();
}

static NOINLINE void deep_new(int depth)
{
	if (depth > 1) {
		deep_new(depth - 1);
		KEEP();
		return;
	}
	char *p = new char[16];
	std::memset(p, 3, 16);
	sink += (unsigned long)p & 1;
}

int main()
{
	for (int round = 0; round < 20; round++)
		deep_new(30);
	for (int round = 0; round < 50; round++) {
		for (int d = 1; d <= 4; d++) {
			try {
				leak_then_throw(d);
			} catch (const std::exception &) {
			}
		}
		after_catch();
	}
	std::printf("done %lu\n", sink & 1);
	return 0;
}
