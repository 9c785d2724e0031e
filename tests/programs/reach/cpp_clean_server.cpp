// A leak-free C++ "server": std::string, std::map, std::vector and thrown
// exceptions, a worker thread joined; exits with its own status (5).
// memcheck: definitely 0, indirectly 0, possibly 0.
#include <map>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>
#include <cstdio>

static std::map<std::string, std::vector<int>> registry;

static int handle(const std::string &req)
{
	if (req.find("bad") != std::string::npos)
		throw std::runtime_error("bad request: " + req);
	registry[req].push_back((int)req.size());
	return (int)req.size();
}

int main()
{
	int served = 0, errors = 0;
	std::thread worker([&] {
		for (int i = 0; i < 100; i++) {
			std::string req = "request number " + std::to_string(i) +
					  (i % 10 == 0 ? " bad" : " a long enough payload to allocate");
			try {
				served += handle(req) > 0;
			} catch (const std::exception &e) {
				errors++;
			}
		}
	});
	worker.join();
	std::printf("served %d errors %d keys %zu\n", served, errors, registry.size());
	registry.clear();
	return 5;
}
