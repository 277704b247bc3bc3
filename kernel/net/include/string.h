/* lwIP's sources include <string.h> for memcpy and friends: the kernel's own (lib.h). */
#pragma once
#include "lib.h"
