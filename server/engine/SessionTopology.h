#pragma once

#include "server/engine/Session.h"

#include <cstddef>
#include <optional>
#include <string>
#include <vector>

// The graph views of a valid session that the live engine, the offline audit and `headroom check`
// share: every tap flattened, the members of each bus, which bus inputs are virtual (computed as
// the sum of the members' post-fader taps because nobody tapped them), and the order in which bus
// sums can be formed. Plain values: indices into the session, no pointers, so a topology can be
// kept next to its session and copied freely. Built at [setup]; [any] may read.
namespace headroom::server
{

// A node of a session: an index into Session::channels or Session::buses; 0 for the master.
struct NodeRef
{
    NodeKind kind = NodeKind::channel;
    std::size_t index = 0;

    friend bool operator==(const NodeRef&, const NodeRef&) = default;
};

struct SessionTap
{
    NodeRef node;
    std::string nodeId;
    TapStage stage = TapStage::input;
    std::size_t insertIndex = 0; // stage == insertInput: index into Node::inserts (as in the file, from 0)
    std::size_t numChannels = 0;
    TapSource source;

    // "input", "pre_insert", "insert:<n>", "post_insert", "post_fader", "output" (MeterPlan's names).
    [[nodiscard]] std::string stageName() const;
};

// A bus or the master, with what feeds it.
struct BusInfo
{
    NodeRef bus;
    std::vector<NodeRef> members; // channels (file order), then buses (file order)
    bool isVirtual = false; // pre_insert not tapped: the input is the sum of the members' post_fader taps
    // Every member has a post_fader tap with the bus's channel count or mono, so the input can be
    // computed (a virtual bus) or predicted and compared with its measured tap.
    bool membersSummable = false;
};

struct SessionTopology
{
    std::vector<SessionTap> taps;      // channels, buses, master (file order); within a node in signal order
    std::vector<BusInfo> buses;        // every bus after all buses that feed it; the master last
    std::vector<std::string> warnings; // "FILE: POINTER: warning: ..." lines, for `check` to print

    [[nodiscard]] std::size_t numVirtualBuses() const; // buses only, not the master
    [[nodiscard]] std::size_t numJackPorts() const;    // port names over all taps
    [[nodiscard]] std::size_t numFileTaps() const;
    [[nodiscard]] const BusInfo* find(const NodeRef& bus) const;
};

// [setup] The topology of a session that SessionParser accepted (destinations exist, no cycles).
[[nodiscard]] SessionTopology buildTopology(const Session& session);

[[nodiscard]] const Node& nodeAt(const Session& session, const NodeRef& ref);

// [setup] The routing cycles among buses, given each bus's destination as a bus index (nullopt:
// the master or unknown). Each cycle once, as bus indices in routing order starting from its
// lowest index; SessionParser reports them as errors.
[[nodiscard]] std::vector<std::vector<std::size_t>>
findBusCycles(const std::vector<std::optional<std::size_t>>& destinationOfBus);

} // namespace headroom::server
