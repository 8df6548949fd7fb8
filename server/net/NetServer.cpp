#include "server/net/NetServer.h"

#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/address.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/signal_set.hpp>
#include <boost/asio/steady_timer.hpp>

#include <csignal>
#include <optional>
#include <pthread.h>
#include <stdexcept>

#include "proto/Protocol.h"
#include "server/net/Hub.h"
#include "server/net/Listener.h"
#include "server/net/TlsContext.h"

namespace headroom::server::net
{
namespace asio = boost::asio;

namespace
{
constexpr std::chrono::milliseconds kShutdownGrace{3000};
constexpr std::chrono::milliseconds kShutdownPoll{20};
} // namespace

struct NetServer::Impl
{
    Impl(NetOptions options, EngineFeed& engine, proto::Hello hello, LogFunction log)
        : context(std::move(options), engine, std::move(hello), std::move(log)),
          hub(ioc, context.counters, context.helloTemplate, [&engine] { return engine.sourceStatus(); }),
          shutdownTimer(ioc)
    {
        context.hub = &hub;
    }

    void beginShutdown(uint16_t closeCode = proto::close_codes::goingAway)
    {
        if (shuttingDown) return;
        shuttingDown = true;
        context.shuttingDown.store(true);
        context.log("shutting down: closing " + std::to_string(hub.clientCount()) + " WebSocket connection(s)");
        if (listener) listener->stop();
        hub.closeAll(closeCode);
        deadline = std::chrono::steady_clock::now() + kShutdownGrace;
        pollShutdown();
    }

    void pollShutdown()
    {
        if (hub.clientCount() == 0 || std::chrono::steady_clock::now() >= deadline)
        {
            hub.detach();
            ioc.stop();
            return;
        }
        shutdownTimer.expires_after(kShutdownPoll);
        shutdownTimer.async_wait([this](boost::system::error_code ec) {
            if (!ec) pollShutdown();
        });
    }

    // --tls-cert: declared first, so destroyed last (after the io_context and any session in it).
    std::unique_ptr<asio::ssl::context> tls;
    asio::io_context ioc{1};
    ServerContext context;
    Hub hub; // after ioc: destroyed first; its posted handlers die with ioc unrun
    asio::steady_timer shutdownTimer;
    std::shared_ptr<Listener> listener;
    std::chrono::steady_clock::time_point deadline;
    // [net] One signal_set for the whole run; re-armed after a refused reload.
    void awaitSignal()
    {
        signals->async_wait([this](boost::system::error_code ec, int number) {
            if (ec) return;
            if (number == SIGHUP)
            {
                context.log("SIGHUP: reading the config and the session again");
                if (!reloadCheck()) // SIGHUP is only listened for when there is a check
                {
                    awaitSignal();
                    return;
                }
                signal = number;
                beginShutdown(proto::close_codes::serviceRestart);
                return;
            }
            signal = number;
            context.log(std::string("stopping on ") + (number == SIGINT ? "SIGINT" : "SIGTERM"));
            beginShutdown();
        });
    }

    bool shuttingDown = false; // [net]
    int signal = 0;
    std::function<bool()> reloadCheck;
    std::optional<asio::signal_set> signals;
};

NetServer::NetServer(NetOptions options, EngineFeed& engine, proto::Hello helloTemplate, LogFunction log)
    : impl_(std::make_unique<Impl>(std::move(options), engine, std::move(helloTemplate), std::move(log)))
{
    for (const std::string& warning : impl_->context.files.warnings()) impl_->context.log(warning);
}

NetServer::~NetServer()
{
    impl_->hub.detach();
}

void NetServer::open()
{
    const NetOptions& o = impl_->context.options;
    boost::system::error_code ec;
    const asio::ip::address address = asio::ip::make_address(o.listenAddress, ec);
    if (ec) throw std::runtime_error("--listen: '" + o.listenAddress + "' is not an IP address");
    if (o.tlsCertFile.empty() != o.tlsKeyFile.empty())
        throw std::runtime_error("TLS needs both --tls-cert and --tls-key");
    // Before binding: a certificate problem is reported (naming the file) and nothing listens.
    if (!o.tlsCertFile.empty()) impl_->tls = makeTlsServerContext(o.tlsCertFile, o.tlsKeyFile);
    try
    {
        impl_->listener = std::make_shared<Listener>(impl_->ioc, asio::ip::tcp::endpoint(address, o.listenPort),
                                                     impl_->context, impl_->tls.get());
    }
    catch (const boost::system::system_error& e)
    {
        throw std::runtime_error("cannot listen on " + o.listenAddress + ":" + std::to_string(o.listenPort) + ": " +
                                 e.code().message());
    }
    const std::string host = address.is_v6() ? "[" + o.listenAddress + "]" : o.listenAddress;
    impl_->context.log(std::string(impl_->tls ? "listening on https://" : "listening on http://") + host + ":" +
                       std::to_string(port()) + "/" + (impl_->tls ? " (TLS 1.2+; WebSocket on wss://)" : ""));
    Hub& hub = impl_->hub;
    impl_->context.engine.setListeners(
        {[&hub](const std::shared_ptr<const MeterFrame>& f) { hub.onMeterFrame(f); },
         [&hub](const std::shared_ptr<const EngineSnapshot>& s) { hub.onSnapshot(s); }});
    impl_->listener->run();
}

uint16_t NetServer::port() const noexcept
{
    return impl_->listener ? impl_->listener->port() : 0;
}

void NetServer::setReloadCheck(std::function<bool()> check)
{
    impl_->reloadCheck = std::move(check);
}

int NetServer::run(bool handleSignals)
{
    sigset_t unblock;
    sigset_t previous;
    sigemptyset(&unblock);
    if (handleSignals)
    {
        // Install the handlers first, then unblock on this thread only: a signal already pending
        // is taken by the signal_set, and the other threads (JACK, worker) keep them blocked.
        impl_->signals.emplace(impl_->ioc, SIGINT, SIGTERM);
        sigaddset(&unblock, SIGINT);
        sigaddset(&unblock, SIGTERM);
        if (impl_->reloadCheck)
        {
            impl_->signals->add(SIGHUP);
            sigaddset(&unblock, SIGHUP);
        }
        impl_->awaitSignal();
        pthread_sigmask(SIG_UNBLOCK, &unblock, &previous);
    }
    impl_->ioc.run();
    if (handleSignals)
    {
        pthread_sigmask(SIG_SETMASK, &previous, nullptr);
        boost::system::error_code ignored;
        impl_->signals->cancel(ignored);
        impl_->signals.reset();
    }
    impl_->hub.detach();
    return impl_->signal;
}

void NetServer::shutdown()
{
    asio::post(impl_->ioc, [impl = impl_.get()] { impl->beginShutdown(); });
}

const NetCounters& NetServer::counters() const noexcept
{
    return impl_->context.counters;
}

std::size_t NetServer::staticFileCount() const noexcept
{
    return impl_->context.files.size();
}

} // namespace headroom::server::net
