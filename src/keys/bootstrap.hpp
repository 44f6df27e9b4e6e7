#pragma once
// The first signing keys of a fresh cluster. Nodes that start together must not each generate a
// set (RSA generation takes a while, and the losers' keys would be thrown away): one node runs the
// job "keys.bootstrap" through the cluster's job runner, the others wait for its keys.

#include <string>
#include <vector>

#include "cluster/job_store.hpp"
#include "core/clock.hpp"
#include "jose/jws.hpp"
#include "keys/key_ring.hpp"
#include "keys/key_store.hpp"

namespace gatehouse::keys {

/// Returns once a current key exists for every algorithm of `algorithms`: at once if they are there;
/// otherwise this node generates them if it claims the job "keys.bootstrap", or waits for the node
/// that did, and generates them itself if that node has not finished within twice the job's lease
/// (two minutes; the store keeps one key per algorithm if both finish).
/// @throws what key generation throws when this node generates them (the start fails).
void ensure_keys_once(KeyStore& keys, cluster::JobStore& jobs, KeyManager& manager,
                      const std::vector<jose::Algorithm>& algorithms, const Clock& clock, const std::string& node_id);

}  // namespace gatehouse::keys
