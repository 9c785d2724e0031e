// A leak-free C++ program using std::string, std::map, std::vector and
// exceptions: zero leaks, and its own exit status (5) under the gate.
#include <map>
#include <stdexcept>
#include <string>
#include <unistd.h>
#include <vector>

static int work()
{
	std::map<std::string, std::vector<std::string>> m;
	for (int i = 0; i < 100; i++)
		m["key-" + std::to_string(i)].push_back(std::string(100, 'x'));
	int caught = 0;
	for (int i = 0; i < 10; i++) {
		try {
			throw std::runtime_error("a rather long message that does not fit SSO " + std::to_string(i));
		} catch (const std::exception &e) {
			caught += e.what()[0] == 'a';
		}
	}
	return (int)m.size() + caught;
}

int main()
{
	int n = work();
	if (n != 110)
		return 1;
	write(1, "ok\n", 3);
	return 5;
}
