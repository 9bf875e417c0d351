// SPDX-License-Identifier: GPL-2.0
/*
 * refgc_base_test.c - the device itself: it exists, VERSION answers,
 * unknown ioctls get ENOTTY, and open/close works from two processes.
 */
#include <sys/stat.h>
#include <sys/wait.h>

#include "../kselftest_harness.h"
#include "refgc_util.h"

FIXTURE(dev) {
	int fd;
};

FIXTURE_SETUP(dev)
{
	if (access(REFGC_DEV, F_OK))
		SKIP(return, "%s not present (refgc.ko not loaded)", REFGC_DEV);
	self->fd = rg_open();
	ASSERT_LE(0, self->fd);
}

FIXTURE_TEARDOWN(dev)
{
	if (self->fd >= 0)
		close(self->fd);
}

TEST_F(dev, is_char_device)
{
	struct stat st;

	ASSERT_EQ(0, stat(REFGC_DEV, &st));
	EXPECT_TRUE(S_ISCHR(st.st_mode));
}

TEST_F(dev, version)
{
	struct refgc_version v;

	memset(&v, 0xff, sizeof(v));
	ASSERT_EQ(0, rg_ioctl(self->fd, REFGC_IOC_VERSION, &v));
	EXPECT_EQ(REFGC_ABI_VERSION, v.abi_version);
	EXPECT_NE(0, v.features & REFGC_FEAT_OBJECTS);
	EXPECT_NE(0, v.features & REFGC_FEAT_BATCH);
	EXPECT_LT(0, v.max_batch);
	EXPECT_EQ(sizeof(struct refgc_op), v.op_size);
	EXPECT_EQ(sizeof(struct refgc_event), v.event_size);
}

TEST_F(dev, version_bad_pointer)
{
	EXPECT_EQ(-EFAULT, rg_ioctl(self->fd, REFGC_IOC_VERSION, NULL));
}

TEST_F(dev, unknown_ioctl_enotty)
{
	char buf[64] = {};

	/* Another magic, an unused number, and a known number with the
	 * wrong direction.
	 */
	EXPECT_EQ(-ENOTTY, rg_ioctl(self->fd, _IOR('x', 0, int), buf));
	EXPECT_EQ(-ENOTTY, rg_ioctl(self->fd,
				    _IOR(REFGC_IOC_MAGIC, 0x7f, int), buf));
	EXPECT_EQ(-ENOTTY, rg_ioctl(self->fd,
				    _IOW(REFGC_IOC_MAGIC, 0x00,
					 struct refgc_version), buf));
	EXPECT_EQ(-ENOTTY, rg_ioctl(self->fd, TCGETS, buf));
}

/*
 * A no-argument command (_IO) with size bits set is some other, unknown
 * command: ENOTTY, and it does nothing.
 */
TEST_F(dev, no_argument_ioctl_with_size_bits_enotty)
{
	unsigned int nr = _IOC_NR(REFGC_IOC_DISABLE), size;
	struct refgc_gc_value v = {};

	for (size = 1; size < (1U << _IOC_SIZEBITS); size <<= 1)
		EXPECT_EQ(-ENOTTY, rg_ioctl(self->fd,
					    _IOC(_IOC_NONE, REFGC_IOC_MAGIC,
						 nr, size), &v));
	ASSERT_EQ(0, rg_ioctl(self->fd, REFGC_IOC_ISENABLED, &v));
	EXPECT_EQ(1, v.value);
	ASSERT_EQ(0, rg_ioctl(self->fd, REFGC_IOC_DISABLE, NULL));
	ASSERT_EQ(0, rg_ioctl(self->fd, REFGC_IOC_ISENABLED, &v));
	EXPECT_EQ(0, v.value);
}

TEST(open_close_two_processes)
{
	int status, i;
	pid_t pid;

	if (access(REFGC_DEV, F_OK))
		SKIP(return, "%s not present", REFGC_DEV);
	pid = fork();
	ASSERT_LE(0, pid);
	for (i = 0; i < 100; i++) {
		int fd = rg_open();
		struct refgc_version v;

		if (fd < 0 || rg_ioctl(fd, REFGC_IOC_VERSION, &v))
			_exit(1);
		close(fd);
	}
	if (!pid)
		_exit(0);
	ASSERT_EQ(pid, waitpid(pid, &status, 0));
	EXPECT_TRUE(WIFEXITED(status));
	EXPECT_EQ(0, WEXITSTATUS(status));
}

TEST_HARNESS_MAIN
