#include "server/admin_queue.hpp"

#include <boost/asio/post.hpp>

namespace tenet::server {

void AdminQueue::submit(const std::string& queue, std::function<void()> job) {
  {
    const std::lock_guard<std::mutex> lock(mutex_);
    std::deque<std::function<void()>>& jobs = waiting_[queue];
    if (jobs.empty()) turns_.push_back(queue);
    jobs.push_back(std::move(job));
  }
  boost::asio::post(thread_, [this] { run_next(); });
}

void AdminQueue::run_next() {
  std::function<void()> job;
  {
    const std::lock_guard<std::mutex> lock(mutex_);
    if (turns_.empty()) return;
    std::string queue = std::move(turns_.front());
    turns_.pop_front();
    const auto found = waiting_.find(queue);
    job = std::move(found->second.front());
    found->second.pop_front();
    if (found->second.empty()) {
      waiting_.erase(found);
    } else {
      turns_.push_back(std::move(queue));  // its next job waits for the other queues' turns
    }
  }
  job();
}

}  // namespace tenet::server
