//! Secure connections against a real etcd: TLS with certificates generated here (CA, server
//! certificate for 127.0.0.1, client certificate), skip-verify, and user/password auth.
//! Every failure leaves etcd unchanged.

use std::ffi::OsStr;
use std::path::{Path, PathBuf};

use etcd_client::Permission;
use rcgen::{
    BasicConstraints, CertificateParams, CertifiedIssuer, DnType, ExtendedKeyUsagePurpose, IsCa,
    KeyPair, KeyUsagePurpose, SanType,
};

use crate::harness::{fixture_kv, Etcd, Kv, TestEnv};

/// PEM files of a test PKI.
pub(crate) struct Pki {
    pub(crate) ca: PathBuf,
    pub(crate) server_cert: PathBuf,
    pub(crate) server_key: PathBuf,
    pub(crate) client_cert: PathBuf,
    pub(crate) client_key: PathBuf,
    /// A second CA that signed nothing the servers use: verifying against it must fail.
    pub(crate) other_ca: PathBuf,
    /// A client certificate the second CA signed, which the servers do not trust.
    pub(crate) rogue_cert: PathBuf,
    pub(crate) rogue_key: PathBuf,
    /// The folder holding them, when this owns it: removed with the PKI.
    _dir: Option<tempfile::TempDir>,
}

fn new_ca(name: &str) -> CertifiedIssuer<'static, KeyPair> {
    let mut params = CertificateParams::new(Vec::<String>::new()).unwrap();
    params.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
    params.distinguished_name.push(DnType::CommonName, name);
    params.key_usages = vec![KeyUsagePurpose::KeyCertSign, KeyUsagePurpose::CrlSign];
    CertifiedIssuer::self_signed(params, KeyPair::generate().unwrap()).unwrap()
}

fn leaf(
    issuer: &CertifiedIssuer<'static, KeyPair>,
    name: &str,
    usage: ExtendedKeyUsagePurpose,
) -> (String, String) {
    let mut params = CertificateParams::new(vec!["localhost".to_owned()]).unwrap();
    params
        .subject_alt_names
        .push(SanType::IpAddress([127, 0, 0, 1].into()));
    params.distinguished_name.push(DnType::CommonName, name);
    params.extended_key_usages = vec![usage];
    let key = KeyPair::generate().unwrap();
    let cert = params.signed_by(&key, issuer).unwrap();
    (cert.pem(), key.serialize_pem())
}

impl Pki {
    pub(crate) fn generate(dir: &Path) -> Pki {
        std::fs::create_dir_all(dir).unwrap();
        let write = |name: &str, pem: &str| {
            let path = dir.join(name);
            std::fs::write(&path, pem).unwrap();
            path
        };
        let ca = new_ca("netsync test CA");
        let (server_cert, server_key) = leaf(&ca, "etcd", ExtendedKeyUsagePurpose::ServerAuth);
        let (client_cert, client_key) = leaf(&ca, "netsync", ExtendedKeyUsagePurpose::ClientAuth);
        let other = new_ca("somebody else's CA");
        let (rogue_cert, rogue_key) = leaf(&other, "rogue", ExtendedKeyUsagePurpose::ClientAuth);
        Pki {
            ca: write("ca.pem", &ca.pem()),
            server_cert: write("server.pem", &server_cert),
            server_key: write("server-key.pem", &server_key),
            client_cert: write("client.pem", &client_cert),
            client_key: write("client-key.pem", &client_key),
            other_ca: write("other-ca.pem", &other.pem()),
            rogue_cert: write("rogue.pem", &rogue_cert),
            rogue_key: write("rogue-key.pem", &rogue_key),
            _dir: None,
        }
    }

    /// etcd's flags for TLS with client certificates required (mutual TLS).
    pub(crate) fn etcd_args(&self) -> Vec<String> {
        let s = |p: &Path| p.to_string_lossy().into_owned();
        let mut args = self.server_only_args();
        args.extend([
            "--trusted-ca-file".into(),
            s(&self.ca),
            "--client-cert-auth".into(),
        ]);
        args
    }

    /// etcd's flags for TLS that authenticates the server only.
    pub(crate) fn server_only_args(&self) -> Vec<String> {
        let s = |p: &Path| p.to_string_lossy().into_owned();
        vec![
            "--cert-file".into(),
            s(&self.server_cert),
            "--key-file".into(),
            s(&self.server_key),
        ]
    }
}

/// An etcd that requires TLS with client certificates on its https listener, a repository
/// with the example network, and the PKI. The harness's `kv()` uses the plain listener to
/// inspect etcd.
fn tls_env() -> (TestEnv, PathBuf, Pki, String) {
    let pki_dir = tempfile::Builder::new()
        .prefix("netsync-pki-")
        .tempdir()
        .unwrap();
    let mut pki = Pki::generate(pki_dir.path());
    pki._dir = Some(pki_dir);
    let etcd = Etcd::start_with_tls(&pki.etcd_args());
    let endpoint = etcd.tls_endpoint();
    let env = TestEnv::with_etcd(etcd);
    let repo = env.init_repo("network", true);
    env.copy_fixture(&repo, "network");
    (env, repo, pki, endpoint)
}

fn stderr_of(assert: &assert_cmd::assert::Assert) -> String {
    String::from_utf8_lossy(&assert.get_output().stderr).into_owned()
}

#[test]
fn apply_over_tls_with_ca_and_client_certificate() {
    let (env, repo, pki, endpoint) = tls_env();
    env.netsync()
        .args(["apply", "--endpoints", &endpoint, "--cacert"])
        .arg(&pki.ca)
        .arg("--cert")
        .arg(&pki.client_cert)
        .arg("--key")
        .arg(&pki.client_key)
        .arg("--repo")
        .arg(&repo)
        .assert()
        .success();
    assert_eq!(env.kv().dump(b"/net/"), fixture_kv("network"));

    // The same through etcdctl's variables, with `host:port` (no scheme) as etcdctl allows.
    env.kv().put("/net/params/mtu", "1");
    env.netsync()
        .env_remove("NETSYNC_ENDPOINTS")
        .env("ETCDCTL_ENDPOINTS", endpoint.trim_start_matches("https://"))
        .env("ETCDCTL_CACERT", &pki.ca)
        .env("ETCDCTL_CERT", &pki.client_cert)
        .env("ETCDCTL_KEY", &pki.client_key)
        // mtu was changed in etcd after the last apply: drift, which only --force overwrites.
        .args(["apply", "--force", "--repo"])
        .arg(&repo)
        .assert()
        .success();
    assert_eq!(env.kv().dump(b"/net/"), fixture_kv("network"));
    env.fsck(&repo);
}

#[test]
fn tls_without_the_right_ca_or_client_certificate_fails_clearly() {
    let (env, repo, pki, endpoint) = tls_env();
    env.kv().put("/net/params/mtu", "1");
    let before = env.kv().dump_all();
    let revision = env.kv().revision();
    let run = |extra: &[&std::ffi::OsStr]| {
        let assert = env
            .netsync()
            .args(["apply", "--dial-timeout", "3s", "--endpoints", &endpoint])
            .args(extra)
            .arg("--repo")
            .arg(&repo)
            .assert()
            .code(1);
        stderr_of(&assert)
    };
    let os = |p: &Path| p.as_os_str().to_owned();
    let (ca, other, cert, key) = (
        os(&pki.ca),
        os(&pki.other_ca),
        os(&pki.client_cert),
        os(&pki.client_key),
    );
    // Each failure names the endpoint and what is wrong with it, in words to act on.
    let cause = |err: &str| {
        assert!(err.starts_with("error: cannot reach etcd"), "{err}");
        let line = err
            .lines()
            .find(|l| l.starts_with("  caused by: "))
            .unwrap_or_else(|| panic!("no cause: {err}"));
        assert!(!err.contains("Os {") && !err.contains("Custom {"), "{err}");
        line.to_owned()
    };
    // A CA that did not sign the server's certificate.
    let err = run(&[
        "--cacert".as_ref(),
        &other,
        "--cert".as_ref(),
        &cert,
        "--key".as_ref(),
        &key,
    ]);
    let line = cause(&err);
    assert!(
        line.contains(&format!(
            "its certificate is not signed by the CA in {}",
            pki.other_ca.display()
        )),
        "{err}"
    );
    assert!(err.contains("hint: check --cacert"), "{err}");
    // No CA at all: the system roots do not know the test CA either.
    let err = run(&["--cert".as_ref(), &cert, "--key".as_ref(), &key]);
    assert!(
        cause(&err).contains("not signed by a CA this system trusts") && err.contains("--cacert"),
        "{err}"
    );
    // The right CA, but no client certificate: the server refuses after the handshake.
    let err = run(&["--cacert".as_ref(), &ca]);
    assert!(
        cause(&err).contains("it asks for a client certificate (mutual TLS")
            && err.contains("give --cert and --key"),
        "{err}"
    );
    // A client certificate from a CA the server does not trust.
    let (rogue_cert, rogue_key) = (os(&pki.rogue_cert), os(&pki.rogue_key));
    let err = run(&[
        "--cacert".as_ref(),
        &ca,
        "--cert".as_ref(),
        &rogue_cert,
        "--key".as_ref(),
        &rogue_key,
    ]);
    assert!(
        cause(&err).contains(&format!(
            "it refused the client certificate {}",
            pki.rogue_cert.display()
        )),
        "{err}"
    );
    // Plain HTTP to a TLS listener, and TLS to a plain one.
    let assert = env
        .netsync()
        .args(["apply", "--dial-timeout", "3s", "--endpoints"])
        .arg(endpoint.replace("https://", "http://"))
        .arg("--repo")
        .arg(&repo)
        .assert()
        .code(1);
    let err = stderr_of(&assert);
    let address = endpoint.trim_start_matches("https://");
    assert!(
        cause(&err).contains(&format!(
            "it speaks TLS, not plain HTTP/2: use https://{address}"
        )),
        "{err}"
    );
    let plain = env.endpoints();
    let assert = env
        .netsync()
        .args(["apply", "--dial-timeout", "3s", "--endpoints"])
        .arg(plain.replace("http://", "https://"))
        .arg("--cacert")
        .arg(&pki.ca)
        .arg("--repo")
        .arg(&repo)
        .assert()
        .code(1);
    let err = stderr_of(&assert);
    assert!(
        cause(&err).contains(&format!("it speaks plain HTTP/2, not TLS: use {plain}")),
        "{err}"
    );
    // A key that is not the certificate's: named before dialling.
    let err = run(&[
        "--cacert".as_ref(),
        &ca,
        "--cert".as_ref(),
        &cert,
        "--key".as_ref(),
        &rogue_key,
    ]);
    assert!(
        err.starts_with(&format!(
            "error: the client key {} does not belong to the client certificate {}",
            pki.rogue_key.display(),
            pki.client_cert.display()
        )),
        "{err}"
    );
    assert!(
        err.contains("hint: give the key the certificate was issued for"),
        "{err}"
    );
    // A certificate without its key is a usage error, before connecting.
    let assert = env
        .netsync()
        .args(["apply", "--endpoints", &endpoint, "--cert"])
        .arg(&pki.client_cert)
        .arg("--repo")
        .arg(&repo)
        .assert()
        .code(64);
    assert!(stderr_of(&assert).contains("--cert and --key"));
    // A missing file is named.
    let assert = env
        .netsync()
        .args([
            "apply",
            "--endpoints",
            &endpoint,
            "--cacert",
            "/nonexistent/ca.pem",
        ])
        .arg("--repo")
        .arg(&repo)
        .assert()
        .code(1);
    assert!(stderr_of(&assert).contains("/nonexistent/ca.pem"));
    // A file that holds no PEM certificate (a DER file, the key instead of the CA) is named
    // too; it was silently ignored, leaving the system's roots to refuse the server.
    let not_pem = env.root().join("ca.der");
    std::fs::write(&not_pem, b"\x30\x82\x01\x0a not PEM").unwrap();
    let assert = env
        .netsync()
        .args(["apply", "--endpoints", &endpoint, "--cacert"])
        .arg(&not_pem)
        .arg("--repo")
        .arg(&repo)
        .assert()
        .code(1);
    let err = stderr_of(&assert);
    assert!(
        err.starts_with(&format!(
            "error: the CA bundle {} is not a PEM file netsync can use",
            not_pem.display()
        )),
        "{err}"
    );
    // The client's files likewise: a missing certificate, a key that is not PEM.
    let client = |cert: &Path, key: &Path| {
        let assert = env
            .netsync()
            .args(["apply", "--endpoints", &endpoint, "--cacert"])
            .arg(&pki.ca)
            .arg("--cert")
            .arg(cert)
            .arg("--key")
            .arg(key)
            .arg("--repo")
            .arg(&repo)
            .assert()
            .code(1);
        stderr_of(&assert)
    };
    let err = client(Path::new("/nonexistent/client.pem"), &pki.client_key);
    assert!(
        err.starts_with("error: cannot read the client certificate /nonexistent/client.pem"),
        "{err}"
    );
    let err = client(&pki.client_cert, &not_pem);
    assert!(
        err.starts_with(&format!(
            "error: the client key {} is not a PEM file netsync can use",
            not_pem.display()
        )),
        "{err}"
    );
    assert_eq!(env.kv().dump_all(), before, "etcd changed");
    assert_eq!(env.kv().revision(), revision, "etcd was written");
}

#[test]
fn insecure_skip_tls_verify_connects_with_a_loud_warning() {
    let (env, repo, pki, endpoint) = tls_env();
    let assert = env
        .netsync()
        .args([
            "apply",
            "--insecure-skip-tls-verify",
            "--endpoints",
            &endpoint,
        ])
        .arg("--cert")
        .arg(&pki.client_cert)
        .arg("--key")
        .arg(&pki.client_key)
        .arg("--repo")
        .arg(&repo)
        .assert()
        .success();
    let err = stderr_of(&assert);
    assert!(
        err.contains("warning: TLS certificate verification is OFF"),
        "{err}"
    );
    assert_eq!(env.kv().dump(b"/net/"), fixture_kv("network"));
    // Through etcdctl's variable too; -q silences the warning along with everything else.
    env.netsync()
        .env("ETCDCTL_INSECURE_SKIP_TLS_VERIFY", "true")
        .args(["diff", "-q", "--exit-code", "--endpoints", &endpoint])
        .arg("--cert")
        .arg(&pki.client_cert)
        .arg("--key")
        .arg(&pki.client_key)
        .arg("--repo")
        .arg(&repo)
        .assert()
        .code(0)
        .stderr("");
}

/// An etcd with auth enabled: `root` and a `netsync` user allowed to read and write all keys.
fn auth_env() -> (TestEnv, PathBuf, Kv) {
    auth_env_with(&[])
}

/// `auth_env` on an etcd started with `etcd_args` (e.g. a short `--auth-token-ttl`).
fn auth_env_with(etcd_args: &[&str]) -> (TestEnv, PathBuf, Kv) {
    let env = TestEnv::with_etcd_args(etcd_args);
    let repo = env.init_repo("network", true);
    env.copy_fixture(&repo, "network");
    let kv = env.kv();
    kv.block_on(async {
        let mut c = kv.client();
        c.user_add("root", "rootpw", None).await.unwrap();
        c.user_grant_role("root", "root").await.unwrap();
        c.role_add("rw").await.unwrap();
        c.role_grant_permission("rw", Permission::read_write(vec![0]).with_from_key())
            .await
            .unwrap();
        c.user_add("netsync", "s3cret-pw", None).await.unwrap();
        c.user_grant_role("netsync", "rw").await.unwrap();
        c.auth_enable().await.unwrap();
    });
    let root = Kv::connect_as(&env.endpoints(), "root", "rootpw");
    (env, repo, root)
}

#[test]
fn apply_with_user_and_password() {
    let (env, repo, root) = auth_env();
    // Without credentials etcd refuses, and nothing is written.
    let assert = env
        .netsync()
        .args(["apply", "--repo"])
        .arg(&repo)
        .assert()
        .code(1);
    assert!(stderr_of(&assert)
        .starts_with("error: etcd has authentication enabled, and netsync gave it no user"));
    assert!(root.dump(b"/net/").is_empty());

    env.netsync()
        .args(["apply", "--user", "netsync:s3cret-pw", "--repo"])
        .arg(&repo)
        .assert()
        .success();
    assert_eq!(root.dump(b"/net/"), fixture_kv("network"));

    // User from the flag, password from the environment (netsync's, then etcdctl's).
    root.put("/net/params/mtu", "1");
    env.netsync()
        .env("ETCDCTL_PASSWORD", "s3cret-pw")
        .args(["apply", "--force", "--user", "netsync", "--repo"])
        .arg(&repo)
        .assert()
        .success();
    assert_eq!(root.dump(b"/net/"), fixture_kv("network"));
    root.put("/net/params/mtu", "2");
    env.netsync()
        .env("ETCDCTL_USER", "netsync")
        .env("NETSYNC_PASSWORD", "s3cret-pw")
        .env("ETCDCTL_PASSWORD", "wrong")
        .args(["apply", "--force", "--repo"])
        .arg(&repo)
        .assert()
        .success();
    assert_eq!(root.dump(b"/net/"), fixture_kv("network"));
    env.fsck(&repo);
}

/// `netsync config --user netsync` with `var=value`: its `password` line, which must show
/// the password masked, and the output never the password itself.
fn config_password_line(env: &TestEnv, repo: &Path, var: &str, value: &OsStr) -> String {
    let out = env
        .netsync()
        .env(var, value)
        .args(["config", "--user", "netsync", "--repo"])
        .arg(repo)
        .assert()
        .success()
        .get_output()
        .clone();
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(!text.contains("s3cret-pw"), "{text}");
    let line = text.lines().find(|l| l.starts_with("password"));
    let line = line.unwrap_or_else(|| panic!("no password line: {text}"));
    assert!(line.contains("********"), "{line}");
    line.to_owned()
}

/// The password from a file, as the packaged units hand it over: systemd's LoadCredential=
/// puts it in $CREDENTIALS_DIRECTORY, and NETSYNC_PASSWORD_FILE names it there.
#[test]
fn password_from_a_file_as_a_systemd_credential() {
    let (env, repo, root) = auth_env();
    let credentials = env.root().join("credentials");
    std::fs::create_dir(&credentials).unwrap();
    let file = credentials.join("etcd-password");
    std::fs::write(&file, "s3cret-pw\n").unwrap();
    env.netsync()
        .env("NETSYNC_USER", "netsync")
        .env("NETSYNC_PASSWORD_FILE", &file)
        .env("ETCDCTL_PASSWORD", "wrong")
        .args(["apply", "--repo"])
        .arg(&repo)
        .assert()
        .success();
    assert_eq!(root.dump(b"/net/"), fixture_kv("network"));

    // `netsync config` names the file's variable, never the password.
    let line = config_password_line(&env, &repo, "NETSYNC_PASSWORD_FILE", file.as_os_str());
    assert!(line.contains("env NETSYNC_PASSWORD_FILE"), "{line}");

    // A file that is not there is a usage error naming it, before anything is written.
    let revision = root.revision();
    let assert = env
        .netsync()
        .env("NETSYNC_USER", "netsync")
        .env("NETSYNC_PASSWORD_FILE", credentials.join("missing"))
        .args(["apply", "--repo"])
        .arg(&repo)
        .assert()
        .code(64);
    let err = stderr_of(&assert);
    assert!(err.contains("cannot read the etcd password from"), "{err}");
    assert!(err.contains("missing"), "{err}");
    assert!(err.contains("hint: NETSYNC_PASSWORD_FILE"), "{err}");
    assert_eq!(root.revision(), revision, "etcd was written");
}

#[test]
fn wrong_or_missing_password_fails_clearly_and_is_never_printed() {
    let (env, repo, root) = auth_env();
    root.put("/net/params/mtu", "1");
    let before = root.dump_all();
    let revision = root.revision();
    let assert = env
        .netsync()
        .args(["apply", "-vvv", "--user", "netsync:not-the-pw", "--repo"])
        .arg(&repo)
        .assert()
        .code(1);
    let err = stderr_of(&assert);
    assert!(err.contains("error: etcd refused user `netsync`"), "{err}");
    assert!(err.contains("hint: check --user and the password"), "{err}");
    assert!(!err.contains("not-the-pw"), "password printed: {err}");
    assert!(assert.get_output().stdout.is_empty());

    // No password anywhere and no terminal to ask on: a usage error, before connecting.
    let assert = env
        .netsync()
        .args(["apply", "--user", "netsync", "--repo"])
        .arg(&repo)
        .assert()
        .code(64);
    let err = stderr_of(&assert);
    assert!(
        err.contains("no password and there is no terminal"),
        "{err}"
    );
    assert!(err.contains("NETSYNC_PASSWORD"), "{err}");
    assert_eq!(root.dump_all(), before, "etcd changed");
    assert_eq!(root.revision(), revision, "etcd was written");

    // `netsync config` shows where the password comes from, never the password.
    let line = config_password_line(&env, &repo, "NETSYNC_PASSWORD", "s3cret-pw".as_ref());
    assert!(line.contains("env NETSYNC_PASSWORD"), "{line}");
}

#[test]
fn a_long_apply_outlives_a_short_auth_token() {
    // Simple tokens expire after 2 s of inactivity; the hook stalls the apply for 4 s between
    // reading etcd and writing, so its token expires in between.
    let (env, repo, _) = auth_env_with(&["--auth-token-ttl", "2"]);
    let assert = env
        .netsync()
        .env("NETSYNC_TEST_HOOK_BEFORE_WRITE", "sleep 4")
        .args(["apply", "--user", "netsync:s3cret-pw", "--repo"])
        .arg(&repo)
        .assert();
    let code = assert.get_output().status.code();
    assert_eq!(code, Some(0), "apply failed: {}", stderr_of(&assert));
    // A fresh session: the setup's root token expired during the stall as well.
    let root = Kv::connect_as(&env.endpoints(), "root", "rootpw");
    assert_eq!(root.dump(b"/net/"), fixture_kv("network"));
    env.fsck(&repo);
}

/// A role that may write only part of the managed prefix: the apply is refused before its
/// first write, naming the keys and the permission, though it would take several
/// transactions; a user who may only read can diff, and is refused the lock; a user who may
/// not read is told which prefix; no user at all is told that etcd wants one.
#[test]
fn missing_permissions_are_named_before_anything_is_written() {
    let (env, repo, root) = auth_env();
    root.block_on(async {
        let mut c = root.client();
        c.role_add("part").await.unwrap();
        for perm in [
            Permission::read("/net/"),
            Permission::read_write("/netsync/"),
            Permission::read_write("/net/users/"),
        ] {
            c.role_grant_permission("part", perm.with_prefix())
                .await
                .unwrap();
        }
        c.user_add("op", "op-pw", None).await.unwrap();
        c.user_grant_role("op", "part").await.unwrap();
        c.role_add("reader").await.unwrap();
        for perm in [Permission::read("/net/"), Permission::read("/netsync/")] {
            c.role_grant_permission("reader", perm.with_prefix())
                .await
                .unwrap();
        }
        c.user_add("reader", "reader-pw", None).await.unwrap();
        c.user_grant_role("reader", "reader").await.unwrap();
        c.user_add("nobody", "nobody-pw", None).await.unwrap();
    });
    // Enough keys for several transactions, most of them writable by `op`.
    let files: Vec<(String, Vec<u8>)> = (0..400)
        .map(|i| {
            (
                format!("kv/users/u{i:03}/profile"),
                format!("user {i}").into_bytes(),
            )
        })
        .collect();
    let files: Vec<(&str, &[u8])> = files
        .iter()
        .map(|(p, v)| (p.as_str(), v.as_slice()))
        .collect();
    env.commit_files(&repo, &files, &[], "many users");
    let before = root.dump_all();
    let run = |user: Option<&str>, args: &[&str]| {
        let mut cmd = env.netsync();
        cmd.args(args);
        if let Some(user) = user {
            cmd.args(["--user", user]);
        }
        let assert = cmd.arg("--repo").arg(&repo).assert();
        let code = assert.get_output().status.code();
        (code, stderr_of(&assert))
    };

    let (code, err) = run(Some("op:op-pw"), &["apply"]);
    assert_eq!(code, Some(1), "{err}");
    assert!(
        err.starts_with("error: etcd user `op` may not write /net/acl/policy, /net/devices/"),
        "{err}"
    );
    assert!(err.contains(" and 25 more key(s)\n"), "{err}");
    assert!(!err.contains("/net/users/"), "{err}");
    assert!(
        err.contains("hint: grant it: etcdctl role grant-permission ROLE readwrite --prefix /net/"),
        "{err}"
    );
    // (The revision moved: the lock was taken and given back.)
    assert_eq!(root.dump_all(), before, "etcd changed");

    // Read only: diff works; apply is refused the lock, which it names.
    let (code, err) = run(Some("reader:reader-pw"), &["diff"]);
    assert_eq!(code, Some(0), "{err}");
    let (code, err) = run(Some("reader:reader-pw"), &["apply"]);
    assert_eq!(code, Some(1), "{err}");
    assert!(
        err.starts_with("error: etcd user `reader` may not write /netsync/lock/"),
        "{err}"
    );
    // No role at all: the first read is refused, naming the prefix.
    let (code, err) = run(Some("nobody:nobody-pw"), &["diff"]);
    assert_eq!(code, Some(1), "{err}");
    assert!(
        err.starts_with("error: etcd user `nobody` may not read the keys under /net/\n"),
        "{err}"
    );
    assert!(
        err.contains("etcdctl role grant-permission ROLE read --prefix /net/ "),
        "{err}"
    );
    // No user: etcd wants one.
    let (code, err) = run(None, &["persist", "--no-push"]);
    assert_eq!(code, Some(1), "{err}");
    assert!(
        err.starts_with("error: etcd has authentication enabled, and netsync gave it no user\nhint: give a user: --user NAME"),
        "{err}"
    );
    // (The revision moved: the lock was taken and given back.)
    assert_eq!(root.dump_all(), before, "etcd changed");

    // The same apply with every permission goes through.
    let (code, err) = run(Some("netsync:s3cret-pw"), &["apply"]);
    assert_eq!(code, Some(0), "{err}");
    let (code, err) = run(Some("netsync:s3cret-pw"), &["diff", "--exit-code"]);
    assert_eq!(code, Some(0), "{err}");
    env.fsck(&repo);
}

#[test]
fn a_user_for_a_cluster_without_auth_is_a_clear_error() {
    let env = TestEnv::new();
    let repo = env.init_repo("network", true);
    env.copy_fixture(&repo, "network");
    let assert = env
        .netsync()
        .args(["apply", "--user", "netsync:pw", "--repo"])
        .arg(&repo)
        .assert()
        .code(1);
    let err = stderr_of(&assert);
    assert!(
        err.starts_with("error: etcd has authentication disabled, and netsync was given user `netsync`\nhint: leave out --user"),
        "{err}"
    );
    assert!(env.kv().dump_all().is_empty(), "etcd was written");
}
