// forward_receiver PORT_FILE LOG_FILE DELAY_MS: the loopback receiver (receiver.h) as a process
// for the kill -9 test. Writes its port to PORT_FILE once listening, appends every body it
// reads to LOG_FILE (one line each, flushed), answers 202 after DELAY_MS; runs until killed.
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <fstream>

#include "tests/forwarding/receiver.h"

int main(int argc, char** argv) {
  if (argc != 4) {
    std::fprintf(stderr, "usage: forward_receiver PORT_FILE LOG_FILE DELAY_MS\n");
    return 2;
  }
  std::ofstream log(argv[2], std::ios::app);
  wsync::testing::Receiver receiver(std::chrono::milliseconds(1500),
                                    std::chrono::milliseconds(std::atoi(argv[3])));
  receiver.OnBody([&log](const std::string& body) { log << body << "\n" << std::flush; });
  {
    std::ofstream port(std::string(argv[1]) + ".tmp");
    port << receiver.port() << "\n";
  }
  std::rename((std::string(argv[1]) + ".tmp").c_str(), argv[1]);
  while (true) pause();
}
