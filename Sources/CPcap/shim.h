#ifndef IMS_HARNESS_CPCAP_SHIM_H
#define IMS_HARNESS_CPCAP_SHIM_H
#include <pcap/pcap.h>
#include <stdio.h>
#endif
