# Copyright: contributors to ghes.connect
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

import os
import stat

import pytest

from ansible_collections.ghes.connect.plugins.module_utils._common.files import (
    UnsafePathError,
    make_private,
    open_no_follow,
    private_directory,
    write_private,
)

OTHER_UID = 65534  # nobody: ansible-test runs units as root in CI, where chown to it works


def mode(path):
    return stat.S_IMODE(os.lstat(path).st_mode)


def test_a_missing_directory_is_created_0700_with_its_parents(tmp_path):
    path = tmp_path / 'a' / 'b'
    assert private_directory(str(path)) == str(path)
    assert mode(path) == 0o700 and mode(tmp_path / 'a') == 0o700


@pytest.mark.parametrize('umask', [0o000, 0o022, 0o077, 0o277])
def test_every_directory_created_is_0700_whatever_the_umask(tmp_path, umask):
    path = tmp_path / 'a' / 'b' / 'c'
    old = os.umask(umask)
    try:
        private_directory(str(path))
    finally:
        os.umask(old)
    assert [mode(p) for p in (tmp_path / 'a', tmp_path / 'a' / 'b', path)] == [0o700] * 3


MODES = [(0o777, False, True), (0o720, False, True), (0o755, False, False), (0o755, True, True), (0o700, True, False)]


@pytest.mark.parametrize('bits,owner_only,refused', MODES)
def test_modes_open_to_others_are_refused_and_left_alone(tmp_path, bits, owner_only, refused):
    path = tmp_path / 'd'
    path.mkdir()
    path.chmod(bits)
    if refused:
        with pytest.raises(UnsafePathError, match='chmod 700 %s' % path):
            private_directory(str(path), owner_only=owner_only)
    else:
        private_directory(str(path), owner_only=owner_only)
    assert mode(path) == bits, 'a refused directory is not "fixed" behind the user\'s back'


def test_a_link_is_refused_even_to_a_private_directory(tmp_path):
    real = tmp_path / 'real'
    real.mkdir(mode=0o700)
    (tmp_path / 'link').symlink_to(real)
    with pytest.raises(UnsafePathError, match='symbolic link'):
        private_directory(str(tmp_path / 'link'))


def test_a_file_is_not_a_directory(tmp_path):
    (tmp_path / 'f').write_text('x')
    with pytest.raises(UnsafePathError, match='not a directory'):
        private_directory(str(tmp_path / 'f'))


@pytest.mark.skipif(os.getuid() != 0, reason='needs root to make a directory of another user')
def test_another_users_directory_is_refused(tmp_path):
    path = tmp_path / 'theirs'
    path.mkdir(mode=0o700)
    os.chown(path, OTHER_UID, -1)
    with pytest.raises(UnsafePathError, match='belongs to another user'):
        private_directory(str(path))


def test_a_parent_others_may_write_is_refused_unless_sticky(tmp_path):
    shared = tmp_path / 'shared'
    shared.mkdir()
    shared.chmod(0o777)
    with pytest.raises(UnsafePathError, match='a parent of'):
        private_directory(str(shared / 'mine'))
    assert not (shared / 'mine').exists(), 'nothing is created under an unsafe parent'
    shared.chmod(0o1777)  # like /tmp: only an entry's owner may rename it
    private_directory(str(shared / 'mine'))
    assert mode(shared / 'mine') == 0o700


@pytest.mark.skipif(os.getuid() != 0, reason='needs root to make a directory of another user')
def test_a_parent_of_another_user_is_refused(tmp_path):
    theirs = tmp_path / 'theirs'
    theirs.mkdir(mode=0o755)
    os.chown(theirs, OTHER_UID, -1)
    with pytest.raises(UnsafePathError, match='belongs to another user'):
        private_directory(str(theirs / 'mine'))


def test_write_private_replaces_a_link_instead_of_writing_through_it(tmp_path):
    victim = tmp_path / 'victim'
    victim.write_text('keep me')
    (tmp_path / 'out').symlink_to(victim)
    write_private(str(tmp_path / 'out'), 'new')
    assert victim.read_text() == 'keep me'
    assert not os.path.islink(tmp_path / 'out') and (tmp_path / 'out').read_text() == 'new'
    assert mode(tmp_path / 'out') == 0o600


def test_make_private_and_open_no_follow_refuse_links(tmp_path):
    victim = tmp_path / 'victim'
    victim.write_text('x')
    victim.chmod(0o644)
    (tmp_path / 'link').symlink_to(victim)
    with pytest.raises(OSError):
        make_private(str(tmp_path / 'link'))
    with pytest.raises(OSError):
        open_no_follow(str(tmp_path / 'link'))
    assert mode(victim) == 0o644
    make_private(str(victim))
    assert mode(victim) == 0o600
