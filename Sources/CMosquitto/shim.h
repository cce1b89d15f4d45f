#ifndef SLUICE_CMOSQUITTO_SHIM_H
#define SLUICE_CMOSQUITTO_SHIM_H

#include <mosquitto.h>

#endif
