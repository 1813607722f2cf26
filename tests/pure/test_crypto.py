"""Token encryption at rest: rotation, key sources, and the key file's safety."""

import multiprocessing
import os
import stat

import pytest

from services.crypto import (
    DecryptionError,
    KeyFileError,
    TokenCipher,
    _create_key_file,
    generate_key,
)


def test_round_trip_and_ciphertext_hides_the_secret():
    cipher = TokenCipher([generate_key().encode()])
    secret = "1//0refresh-token-ünïcode"
    token = cipher.encrypt(secret)
    assert "refresh" not in token
    assert token != cipher.encrypt(secret), "each encryption must use a fresh IV"
    assert cipher.decrypt(token) == secret


@pytest.mark.parametrize("empty", [None, ""])
def test_empty_in_empty_out(empty):
    cipher = TokenCipher([generate_key()])
    assert cipher.encrypt(empty) is None
    assert cipher.decrypt(empty) is None
    assert cipher.decrypt_json(empty) is None
    assert cipher.encrypt_json(None) is None


def test_json_round_trip():
    cipher = TokenCipher([generate_key()])
    tokens = {"access_token": "ya29.x", "expires_at": 1700000000, "scopes": ["a", "b"]}
    assert cipher.decrypt_json(cipher.encrypt_json(tokens)) == tokens
    assert cipher.decrypt_json(cipher.encrypt_json([])) == []


def test_rotation_first_key_encrypts_all_keys_decrypt():
    old, new = generate_key(), generate_key()
    before = TokenCipher([old])
    stored = before.encrypt("refresh-1")
    after = TokenCipher([new, old])
    assert after.decrypt(stored) == "refresh-1"
    fresh = after.encrypt("refresh-2")
    assert TokenCipher([new]).decrypt(fresh) == "refresh-2"
    with pytest.raises(DecryptionError):
        before.decrypt(fresh)


def test_rotate_reencrypts_so_the_old_key_can_go():
    old, new = generate_key(), generate_key()
    stored = TokenCipher([old]).encrypt("refresh")
    rotated = TokenCipher([new, old]).rotate(stored)
    assert TokenCipher([new]).decrypt(rotated) == "refresh"
    with pytest.raises(DecryptionError):
        TokenCipher([new]).rotate(stored)


@pytest.mark.parametrize("bad", ["garbage", "gAAAAA" + "x" * 80, "é", "   "])
def test_decrypt_failure_is_a_clear_error(bad):
    cipher = TokenCipher([generate_key()])
    with pytest.raises(DecryptionError, match="cannot be decrypted"):
        cipher.decrypt(bad)


def test_wrong_key_error_never_shows_the_plaintext():
    token = TokenCipher([generate_key()]).encrypt("super-secret-value")
    with pytest.raises(DecryptionError) as info:
        TokenCipher([generate_key()]).decrypt(token)
    assert "super-secret-value" not in str(info.value)
    assert info.value.__cause__ is None and info.value.__suppress_context__


def test_decrypt_json_on_non_json_text():
    cipher = TokenCipher([generate_key()])
    with pytest.raises(DecryptionError, match="JSON"):
        cipher.decrypt_json(cipher.encrypt("not json"))


def test_invalid_keys_are_refused_without_echoing_them():
    with pytest.raises(ValueError, match="at least one"):
        TokenCipher([])
    with pytest.raises(ValueError, match="#2") as info:
        TokenCipher([generate_key(), b"my-password"])
    assert "my-password" not in str(info.value)


def test_config_value_wins_over_the_key_file(tmp_path):
    a, b = generate_key(), generate_key()
    key_file = tmp_path / "never" / "created.key"
    cipher = TokenCipher.from_sources(f" {a} , {b} ,", str(key_file))
    assert not key_file.exists()
    assert TokenCipher([a]).decrypt(cipher.encrypt("x")) == "x"
    assert cipher.decrypt(TokenCipher([b]).encrypt("y")) == "y"


def test_bad_config_value_is_an_error(tmp_path):
    with pytest.raises(ValueError, match="not a valid Fernet key"):
        TokenCipher.from_sources("short", str(tmp_path / "k"))


@pytest.mark.parametrize("config_value", [None, "", "  "])
def test_key_file_created_private_and_reused(tmp_path, config_value):
    key_file = tmp_path / "data" / "calendar_cloud_sync" / "fernet.key"
    first = TokenCipher.from_sources(config_value, str(key_file))
    assert stat.S_IMODE(key_file.stat().st_mode) == 0o600
    token = first.encrypt("refresh")
    second = TokenCipher.from_sources(config_value, str(key_file))
    assert second.decrypt(token) == "refresh"
    assert [p.name for p in key_file.parent.iterdir()] == ["fernet.key"], "temp file left"


def test_existing_key_file_with_rotation(tmp_path):
    new, old = generate_key(), generate_key()
    key_file = tmp_path / "fernet.key"
    key_file.write_text(f"{new}\n{old}\n")
    key_file.chmod(0o600)
    cipher = TokenCipher.from_sources(None, str(key_file))
    assert cipher.decrypt(TokenCipher([old]).encrypt("a")) == "a"
    assert TokenCipher([new]).decrypt(cipher.encrypt("b")) == "b"


@pytest.mark.parametrize("mode", [0o640, 0o604, 0o644, 0o660])
def test_key_file_readable_by_others_is_refused(tmp_path, mode):
    key_file = tmp_path / "fernet.key"
    key_file.write_text(generate_key())
    key_file.chmod(mode)
    with pytest.raises(KeyFileError, match="chmod 600"):
        TokenCipher.from_sources(None, str(key_file))


def test_key_file_with_garbage_is_refused_without_echoing_it(tmp_path):
    key_file = tmp_path / "fernet.key"
    key_file.write_text("hunter2\n")
    key_file.chmod(0o600)
    with pytest.raises(KeyFileError, match="valid Fernet keys") as info:
        TokenCipher.from_sources(None, str(key_file))
    assert "hunter2" not in str(info.value)


def test_empty_key_file_is_refused(tmp_path):
    key_file = tmp_path / "fernet.key"
    key_file.write_text("\n")
    key_file.chmod(0o600)
    with pytest.raises(KeyFileError, match="empty"):
        TokenCipher.from_sources(None, str(key_file))


def test_key_file_that_is_a_directory_is_refused(tmp_path):
    (tmp_path / "fernet.key").mkdir(mode=0o700)
    with pytest.raises(KeyFileError, match="regular file"):
        TokenCipher.from_sources(None, str(tmp_path / "fernet.key"))


def test_a_key_published_meanwhile_is_never_replaced(tmp_path):
    # The window between "file missing" and "create it": the loser must adopt the winner's key.
    key_file = tmp_path / "fernet.key"
    winner = TokenCipher.from_sources(None, str(key_file))
    token = winner.encrypt("refresh")
    _create_key_file(str(key_file))
    assert TokenCipher.from_sources(None, str(key_file)).decrypt(token) == "refresh"
    assert os.listdir(tmp_path) == ["fernet.key"]


def _start_and_encrypt(key_file, barrier, results):
    barrier.wait()
    try:
        results.put(TokenCipher.from_sources(None, key_file).encrypt(f"from-{os.getpid()}"))
    except Exception as exc:
        results.put(f"failed: {exc!r}")


@pytest.mark.parametrize("round_", range(5))
def test_processes_starting_together_share_one_key(tmp_path, round_):
    key_file = str(tmp_path / "data" / "fernet.key")
    context = multiprocessing.get_context("fork")
    workers = 12
    barrier, results = context.Barrier(workers), context.Queue()
    processes = [
        context.Process(target=_start_and_encrypt, args=(key_file, barrier, results))
        for _ in range(workers)
    ]
    for process in processes:
        process.start()
    tokens = [results.get(timeout=30) for _ in processes]
    for process in processes:
        process.join(timeout=30)
    assert not [t for t in tokens if t.startswith("failed")], tokens
    survivor = TokenCipher.from_sources(None, key_file)
    assert sorted(survivor.decrypt(token) for token in tokens) == sorted(
        f"from-{process.pid}" for process in processes
    )
    assert os.listdir(os.path.dirname(key_file)) == ["fernet.key"]
