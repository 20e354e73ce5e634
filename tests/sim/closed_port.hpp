// A loopback TCP port that is guaranteed to refuse connections: a socket is bound to it
// (so no other process can take it) but never listens. Tests use it for "connection
// refused" without racing other processes for a free port.
#pragma once

namespace l2mac::sim {

class ClosedPort {
 public:
  ClosedPort();   // binds 127.0.0.1:0; port() is 0 if that failed
  ~ClosedPort();  // releases the port
  ClosedPort(const ClosedPort&) = delete;
  ClosedPort& operator=(const ClosedPort&) = delete;

  int port() const { return port_; }

 private:
  int fd_ = -1;
  int port_ = 0;
};

}  // namespace l2mac::sim
