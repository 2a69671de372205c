#pragma once
// Certificates for the mutual-TLS tests, made with the openssl CLI in a temporary directory
// (removed afterwards): a CA, three node certificates it signs (node-a, node-b, node-c;
// subjectAltName IP:127.0.0.1), and a rogue certificate, same address, signed by another CA.

#include <string>

#include <orrery/core/result.hpp>

namespace orrery::test {

class TestCertificates {
 public:
  /// Runs openssl; an error names the command that failed and where its output went.
  static Result<TestCertificates> generate();
  TestCertificates(TestCertificates&& other) noexcept;
  TestCertificates& operator=(TestCertificates&&) = delete;
  ~TestCertificates();

  /// The temporary directory holding them (removed with this object).
  const std::string& directory() const { return directory_; }
  /// Paths of PEM files.
  std::string ca_certificate() const { return directory_ + "/ca.pem"; }
  std::string rogue_ca_certificate() const { return directory_ + "/rogue-ca.pem"; }
  std::string certificate(const std::string& node) const {
    return directory_ + "/" + node + ".pem";
  }
  std::string key(const std::string& node) const { return directory_ + "/" + node + ".key"; }

 private:
  explicit TestCertificates(std::string directory) : directory_(std::move(directory)) {}
  Status run(const std::string& command) const;
  Status make_ca(const std::string& name) const;
  Status make_node(const std::string& node, const std::string& ca) const;

  std::string directory_;
};

}  // namespace orrery::test
