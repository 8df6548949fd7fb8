#pragma once

#include "server/engine/Session.h"
#include "server/engine/SessionJsonReader.h"

#include <memory>
#include <optional>
#include <string>

// One channel, bus or master of a session file: id, label, channel count and layout, destination,
// inserts, taps and their sources, per-node targets. What concerns several nodes at once (unique
// ids, destinations that exist, cycles) is SessionParser's. [setup]
namespace headroom::server::session_json
{

// What was learnt about a node's id and destination, for the checks across nodes.
struct NodeFacts
{
    bool idValid = false;             // node.id holds a well-formed id
    std::optional<std::string> rawId; // the id as written when it was a string, valid or not
    std::string idPointer;            // "/channels/3/id"
    bool destinationValid = false;    // node.destination holds a string
    std::string destinationPointer;   // "/channels/3/bus", "/buses/0/to"
};

class NodeReader
{
public:
    // inherited: the session's targets, which node overrides merge over. baseDirectory: where
    // relative file taps are resolved. Both must outlive the reader.
    NodeReader(Diagnostics& diagnostics, const Targets& inherited, const std::string& baseDirectory);
    ~NodeReader();
    NodeReader(const NodeReader&) = delete;
    NodeReader& operator=(const NodeReader&) = delete;

    // [setup] Read the node at `pointer`, reporting problems; returns what could be read (with
    // defaults for the rest) and fills facts.
    [[nodiscard]] Node read(const Json& value, const std::string& pointer, NodeKind kind, NodeFacts& facts);

    // [setup] The master when the file has none (only used to keep the model total while errors
    // are collected): 2 channels, L,R, the inherited targets.
    [[nodiscard]] Node defaultMaster() const;

private:
    class Impl;
    std::unique_ptr<Impl> impl_;
};

} // namespace headroom::server::session_json
