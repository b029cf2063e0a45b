//! Rate limits and cooldowns shared by every process whose router names the same
//! Redis (feature `redis`): each deployment's log of the last minute's requests is a
//! sorted set, its cooldown a key that expires, its failures a counter over the
//! window, each read and written by one Lua script so that processes never race. The
//! times are Redis's own (`TIME`), one clock for every process.
//!
//! The client is a small one of its own (RESP over one TCP connection, `AUTH` and
//! `SELECT` from the URL): the router needs four commands.

use super::RouterError;
use crate::Error;
use std::time::Duration;
use tokio::io::{AsyncBufReadExt, AsyncReadExt, AsyncWriteExt, BufReader};
use tokio::net::TcpStream;
use tokio::sync::Mutex;

/// Where the shared state lives, and the connection to it.
pub(crate) struct Store {
    address: String,
    password: Option<String>,
    database: Option<String>,
    prefix: String,
    connection: Mutex<Option<BufReader<TcpStream>>>,
}

impl std::fmt::Debug for Store {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Store")
            .field("address", &self.address)
            .field("password", &self.password.as_ref().map(|_| "[REDACTED]"))
            .field("database", &self.database)
            .field("prefix", &self.prefix)
            .finish_non_exhaustive()
    }
}

/// A reply, as far as the scripts need (text is read and dropped).
#[derive(Debug)]
enum Reply {
    Int(i64),
    Text,
    Nil,
    Array(Vec<Reply>),
}

/// Reserves (or, with ARGV[4] = 0, only reads) the next slot of a deployment's log;
/// returns the wait until it in milliseconds and the cooldown left.
const SLOT: &str = r"
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
local rpm, tpm, tokens = tonumber(ARGV[1]), tonumber(ARGV[2]), tonumber(ARGV[3])
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', now - 60000)
local log = redis.call('ZRANGE', KEYS[1], 0, -1, 'WITHSCORES')
local n = #log / 2
local slot = now
if n > 0 then slot = math.max(slot, tonumber(log[2 * n])) end
if rpm > 0 and n > rpm - 1 then slot = math.max(slot, tonumber(log[2 * (n - rpm + 1)]) + 60000) end
if tpm > 0 then
  local sum = tokens
  for i = n, 1, -1 do
    sum = sum + tonumber(string.match(log[2 * i - 1], ':(%d+)$'))
    if sum > tpm then slot = math.max(slot, tonumber(log[2 * i]) + 60000) break end
  end
end
local cool = redis.call('PTTL', KEYS[3])
if cool < 0 then cool = 0 end
if ARGV[4] == '1' and cool == 0 and (rpm > 0 or tpm > 0) then
  local id = redis.call('INCR', KEYS[2])
  redis.call('ZADD', KEYS[1], slot, id .. ':' .. tokens)
  redis.call('PEXPIRE', KEYS[1], slot - now + 60000)
end
return {slot - now, cool}
";

/// Counts a failure (ARGV: window, allowed, cooldown in ms); at `allowed` within the
/// window the deployment cools down. Returns the cooldown started, or 0.
const FAIL: &str = r"
local n = redis.call('INCR', KEYS[1])
if n == 1 then redis.call('PEXPIRE', KEYS[1], ARGV[1]) end
if n < tonumber(ARGV[2]) then return 0 end
redis.call('DEL', KEYS[1])
if redis.call('PTTL', KEYS[2]) < tonumber(ARGV[3]) then redis.call('SET', KEYS[2], '1', 'PX', ARGV[3]) end
return tonumber(ARGV[3])
";

/// Starts a cooldown of ARGV[1] ms, keeping a longer one under way.
const COOL: &str = r"
if redis.call('PTTL', KEYS[1]) < tonumber(ARGV[1]) then redis.call('SET', KEYS[1], '1', 'PX', ARGV[1]) end
return 1
";

/// What the shared log says of a deployment.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Slot {
    /// The wait until the request may go.
    pub(crate) wait: Duration,
    /// Whether the deployment is cooling down (nothing was reserved).
    pub(crate) cooling: bool,
}

impl Store {
    /// A store at `url` (`redis://[:password@]host[:port][/database]`).
    pub(crate) fn new(url: &str, prefix: &str) -> Result<Store, String> {
        let rest = url.strip_prefix("redis://").ok_or_else(|| "a Redis URL starts with redis://".to_owned())?;
        let (auth, rest) = match rest.rsplit_once('@') {
            Some((auth, rest)) => (Some(auth), rest),
            None => (None, rest),
        };
        let (host, database) = match rest.split_once('/') {
            Some((host, db)) if !db.is_empty() => (host, Some(db.to_owned())),
            Some((host, _)) => (host, None),
            None => (rest, None),
        };
        let address = if host.contains(':') { host.to_owned() } else { format!("{host}:6379") };
        let password = auth.map(|auth| auth.rsplit(':').next().unwrap_or(auth).to_owned()).filter(|p| !p.is_empty());
        Ok(Store { address, password, database, prefix: prefix.to_owned(), connection: Mutex::new(None) })
    }

    fn key(&self, deployment: &str, what: &str) -> String {
        format!("{}{deployment}:{what}", self.prefix)
    }

    /// The next slot of `deployment` for a request of `tokens`, reserved when
    /// `reserve` and the deployment is not cooling down.
    pub(crate) async fn slot(
        &self,
        deployment: &str,
        limits: (Option<u32>, Option<u32>),
        tokens: u32,
        reserve: bool,
    ) -> Result<Slot, RouterError> {
        let keys = [self.key(deployment, "log"), self.key(deployment, "ids"), self.key(deployment, "cooldown")];
        let (rpm, tpm) = (limits.0.unwrap_or(0).to_string(), limits.1.unwrap_or(0).to_string());
        let args = [rpm, tpm, tokens.to_string(), u8::from(reserve).to_string()];
        match self.eval(SLOT, &keys, &args).await? {
            Reply::Array(items) => match items[..] {
                [Reply::Int(wait), Reply::Int(cool)] => {
                    Ok(Slot { wait: Duration::from_millis(wait.max(0) as u64), cooling: cool > 0 })
                }
                _ => Err(unexpected()),
            },
            _ => Err(unexpected()),
        }
    }

    /// Counts a failure of `deployment`; returns the cooldown it started.
    pub(crate) async fn fail(
        &self,
        deployment: &str,
        window: Duration,
        allowed: u32,
        cooldown: Duration,
    ) -> Result<Option<Duration>, RouterError> {
        let keys = [self.key(deployment, "fails"), self.key(deployment, "cooldown")];
        let args = [millis(window), allowed.max(1).to_string(), millis(cooldown)];
        match self.eval(FAIL, &keys, &args).await? {
            Reply::Int(0) => Ok(None),
            Reply::Int(ms) => Ok(Some(Duration::from_millis(ms as u64))),
            _ => Err(unexpected()),
        }
    }

    /// Cools `deployment` down for `length`.
    pub(crate) async fn cool(&self, deployment: &str, length: Duration) -> Result<(), RouterError> {
        self.eval(COOL, &[self.key(deployment, "cooldown")], &[millis(length)]).await.map(|_| ())
    }

    async fn eval(&self, script: &str, keys: &[String], args: &[String]) -> Result<Reply, RouterError> {
        let mut command: Vec<&str> = vec!["EVAL", script];
        let count = keys.len().to_string();
        command.push(&count);
        command.extend(keys.iter().map(String::as_str));
        command.extend(args.iter().map(String::as_str));
        let mut connection = self.connection.lock().await;
        if connection.is_none() {
            *connection = Some(self.connect().await.map_err(store_error)?);
        }
        let stream = connection.as_mut().expect("connected");
        let reply = call(stream, &command).await;
        if reply.is_err() {
            // A broken connection is made anew on the next call.
            *connection = None;
        }
        reply.map_err(store_error)
    }

    async fn connect(&self) -> std::io::Result<BufReader<TcpStream>> {
        let mut stream = BufReader::new(TcpStream::connect(&self.address).await?);
        if let Some(password) = &self.password {
            call(&mut stream, &["AUTH", password]).await?;
        }
        if let Some(database) = &self.database {
            call(&mut stream, &["SELECT", database]).await?;
        }
        Ok(stream)
    }
}

fn millis(duration: Duration) -> String {
    duration.as_millis().max(1).to_string()
}

fn unexpected() -> RouterError {
    RouterError::Store { message: "an unexpected reply from Redis".to_owned() }
}

fn store_error(err: std::io::Error) -> RouterError {
    RouterError::Store { message: err.to_string() }
}

/// Sends one command and reads its reply.
async fn call(stream: &mut BufReader<TcpStream>, command: &[&str]) -> std::io::Result<Reply> {
    let mut out = format!("*{}\r\n", command.len()).into_bytes();
    for part in command {
        out.extend_from_slice(format!("${}\r\n", part.len()).as_bytes());
        out.extend_from_slice(part.as_bytes());
        out.extend_from_slice(b"\r\n");
    }
    stream.get_mut().write_all(&out).await?;
    read(stream).await
}

fn invalid(message: String) -> std::io::Error {
    std::io::Error::new(std::io::ErrorKind::InvalidData, message)
}

/// Reads one RESP reply; an error reply is an `Err`.
async fn read(stream: &mut BufReader<TcpStream>) -> std::io::Result<Reply> {
    let mut pending: Vec<(usize, Vec<Reply>)> = Vec::new();
    loop {
        let mut line = String::new();
        if stream.read_line(&mut line).await? == 0 {
            return Err(invalid("Redis closed the connection".to_owned()));
        }
        let line = line.trim_end();
        let (kind, rest) = line.split_at(line.len().min(1));
        let number = || rest.parse::<i64>().map_err(|_| invalid(format!("a malformed reply: {line}")));
        let reply = match kind {
            "+" => Reply::Text,
            "-" => return Err(invalid(format!("Redis: {rest}"))),
            ":" => Reply::Int(number()?),
            "$" if number()? < 0 => Reply::Nil,
            "$" => {
                let mut body = vec![0; number()? as usize + 2];
                stream.read_exact(&mut body).await?;
                Reply::Text
            }
            "*" if number()? <= 0 => Reply::Array(Vec::new()),
            "*" => {
                pending.push((number()? as usize, Vec::new()));
                continue;
            }
            _ => return Err(invalid(format!("a malformed reply: {line}"))),
        };
        let mut reply = reply;
        loop {
            match pending.last_mut() {
                None => return Ok(reply),
                Some((expected, items)) => {
                    items.push(reply);
                    if items.len() < *expected {
                        break;
                    }
                    let (_, items) = pending.pop().expect("an array under way");
                    reply = Reply::Array(items);
                }
            }
        }
    }
}

/// A failure to tell the other processes of: the cooldown it starts, or one more
/// failure in the window.
pub(crate) struct Share {
    deployment: String,
    policy: super::cooldown::Policy,
    cool: Option<std::time::Duration>,
    asked: Option<std::time::Duration>,
}

impl Share {
    pub(crate) fn of(deployment: String, policy: super::cooldown::Policy, error: &Error) -> Self {
        let cool = match error {
            Error::Authentication { .. } | Error::QuotaExhausted { .. } => Some(policy.auth_cooldown),
            Error::RateLimited { retry_after, .. } => Some(retry_after.unwrap_or(policy.cooldown)),
            _ => None,
        };
        Share { deployment, policy, cool, asked: error.retry_after() }
    }

    pub(crate) async fn send(self, store: &Store) -> Result<(), RouterError> {
        let policy = self.policy;
        match self.cool {
            Some(length) => store.cool(&self.deployment, length).await,
            None => {
                let length = self.asked.map_or(policy.cooldown, |asked| asked.max(policy.cooldown));
                store.fail(&self.deployment, policy.window, policy.allowed_fails, length).await.map(|_| ())
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn urls_name_the_address_password_and_database() {
        let store = Store::new("redis://:hunter2@10.0.0.5:6380/2", "p:").unwrap();
        assert_eq!(
            (store.address.as_str(), store.password.as_deref(), store.database.as_deref()),
            ("10.0.0.5:6380", Some("hunter2"), Some("2"))
        );
        let store = Store::new("redis://127.0.0.1", "p:").unwrap();
        assert_eq!(
            (store.address.as_str(), store.password.as_deref(), store.database.as_deref()),
            ("127.0.0.1:6379", None, None)
        );
        assert!(Store::new("http://x", "p:").is_err());
        assert_eq!(store.key("g/0", "log"), "p:g/0:log");
    }
}
